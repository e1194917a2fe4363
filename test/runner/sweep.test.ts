import { afterEach, describe, expect, it } from 'vitest';
import { runSweep, type UslFit } from '../../src/runner/sweep.ts';
import { type Sink, startSink } from '../helpers/sink.ts';

let sink: Sink | undefined;
afterEach(async () => {
  await sink?.close();
  sink = undefined;
});

/**
 * A stand-in for the planner's USL fit: the roof X(1) * N is capped by the best measured
 * throughput (the simplest model with a peak), enough to check the sweep's plumbing.
 */
const maxThroughputFit: UslFit = (points) => {
  const best = points.reduce((a, b) => (b.x > a.x ? b : a));
  const first = points[0] as { n: number; x: number };
  return { alpha: 0, beta: 0, gamma: first.x / first.n, nPeak: best.n, xPeak: best.x, xRoof: first.x / first.n };
};

describe('closed-loop sweep', () => {
  it('finds the capacity of a sink serving c = 4 at a time, s = 50 ms each (c / s = 80/s)', { timeout: 30_000 }, async () => {
    sink = await startSink(() => ({ delay: 50 }), { concurrency: 4 });
    const steps: number[] = [];
    const stats = await runSweep(
      { name: 's', method: 'GET', path: '/work', headers: {}, concurrency: [1, 2, 4, 8, 16], duration: 1000, targetTps: 60 },
      { origin: sink.url, fit: maxThroughputFit, timeout: 5000, onStep: (c) => steps.push(c) },
    );
    expect(steps).toEqual([1, 2, 4, 8, 16]);
    expect(stats.points.map((p) => p.concurrency)).toEqual([1, 2, 4, 8, 16]);
    const peak = stats.usl?.xPeak as number;
    expect(Math.abs(peak - 80) / 80).toBeLessThan(0.1);
    expect(stats.headroom).toBeCloseTo((peak - 60) / 60, 6);
    expect(stats.points[0]?.latency.count).toBeGreaterThan(0);
    expect(stats.points.every((p) => p.errors === 0)).toBe(true);
  });

  it('reports usl null without a fit and uses the measured peak for headroom', { timeout: 10_000 }, async () => {
    sink = await startSink(() => ({ delay: 20 }));
    const stats = await runSweep(
      { name: 's', method: 'POST', path: '/p', headers: {}, body: { a: 1 }, concurrency: [1], duration: 1000, targetTps: 10 },
      { origin: sink.url, timeout: 5000 },
    );
    expect(stats.usl).toBeNull();
    expect(stats.headroom).toBeCloseTo(((stats.points[0]?.throughput as number) - 10) / 10, 6);
    expect(sink.paths[0]).toBe('POST /p');
  });
});
