/**
 * Checks of a thread-pool executor fed a page of tasks at once, the shape of stories 1, 3 and 5
 * (Spring's ThreadPoolTaskExecutor / java.util.concurrent.ThreadPoolExecutor).
 */

/** An executor and how the batch feeds it. */
export interface ExecutorInput {
  /** Tasks submitted at once (the page read per cycle). */
  pageSize: number;
  /** Maximum pool size (threads that can run at once). */
  threads: number;
  /** Queue capacity; null means unbounded (Integer.MAX_VALUE, Spring's default). */
  queueCapacity: number | null;
}

/**
 * Tasks rejected when a page is submitted faster than it runs. A ThreadPoolExecutor holds at
 * most maxPoolSize running + queueCapacity waiting tasks; the rest hit the rejection policy
 * (AbortPolicy throws RejectedExecutionException). Rejected = max(0, page - (threads + queue)).
 * Story 3: 180 - (4 + 100) = 76. Unbounded queues never reject, they grow instead.
 */
export function rejectedPerPage(input: ExecutorInput): number {
  if (input.queueCapacity === null) return 0;
  return Math.max(0, input.pageSize - (input.threads + input.queueCapacity));
}

/** Heap needed to hold recipients in memory, whole list vs one page. */
export interface MemoryEstimate {
  loadAllBytes: number;
  pagedBytes: number;
}

/**
 * Memory of load-everything vs paged processing: bytes per recipient x N vs x page (story 1:
 * loading every subscriber and queueing every mail grows with the audience; paging caps it).
 */
export function memoryEstimate(bytesPerRecipient: number, recipients: number, pageSize: number): MemoryEstimate {
  return { loadAllBytes: bytesPerRecipient * recipients, pagedBytes: bytesPerRecipient * Math.min(pageSize, recipients) };
}
