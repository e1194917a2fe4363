import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

let live: number | undefined;
let observer: PerformanceObserver | undefined;

/**
 * Heap used right after the latest full (mark-sweep-compact) garbage collection: the data the
 * process still holds, without the garbage that peak heap used also counts. Peak heap used climbs
 * towards V8's next collection threshold, further in a longer run than a shorter one, which a
 * projection over runs of growing size reads as growth with recipients; this does not. Before the
 * first full collection it is the heap used when first asked (a young process holds little garbage).
 * One observer per process, however many dispatchers it runs.
 */
export function heapAfterGc(): number {
  if (!observer) {
    live = getHeapStatistics().used_heap_size;
    observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
        if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) live = getHeapStatistics().used_heap_size;
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    // The observer must not keep a closing process alive.
    (observer as unknown as { unref?: () => void }).unref?.();
  }
  return live as number;
}
