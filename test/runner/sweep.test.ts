import { afterEach, describe, expect, it } from 'vitest';
import { fitUsl } from '../../src/planner/index.ts';
import { capacityPeak, runSweep } from '../../src/runner/sweep.ts';
import { type Sink, startSink } from '../helpers/sink.ts';

let sink: Sink | undefined;
afterEach(async () => {
  await sink?.close();
  sink = undefined;
});

describe('capacityPeak', () => {
  const at = (concurrency: number, throughput: number) => ({
    concurrency,
    throughput,
    errors: 0,
    latency: { count: 1, min: 1, mean: 1, p50: 1, p90: 1, p95: 1, p99: 1, p999: 1, max: 1 },
  });
  const usl = (nPeak: number | null, xPeak: number | null) => ({ alpha: 0.01, beta: 0.001, gamma: 20, nPeak, xPeak, xRoof: 2000 });
  it.each([
    ['caps the fit by the measurements once the sweep passed N*', [at(1, 20), at(16, 200), at(32, 200)], usl(21, 213.5), 200],
    ['extrapolates with the fit short of N*', [at(1, 20), at(2, 40), at(4, 80)], usl(21, 213.5), 213.5],
    ['uses the fit when it is below the best measurement', [at(1, 20), at(32, 200)], usl(21, 190), 190],
    ['uses the best measurement without a fit', [at(1, 20), at(4, 75)], null, 75],
    ['uses the best measurement when the fit has no peak (Amdahl)', [at(1, 20), at(4, 75)], usl(null, null), 75],
  ])('%s', (_, points, fit, expected) => expect(capacityPeak(points, fit)).toBe(expected));
  it('has nothing to say without points', () => expect(capacityPeak([], null)).toBeNull());
});

describe('closed-loop sweep', () => {
  it('finds the capacity of a sink serving c = 4 at a time, s = 50 ms each (c / s = 80/s)', { timeout: 30_000 }, async () => {
    sink = await startSink(() => ({ delay: 50 }), { concurrency: 4 });
    const steps: number[] = [];
    const stats = await runSweep(
      { name: 's', method: 'GET', path: '/work', headers: {}, concurrency: [1, 2, 4, 8, 16], duration: 1000, targetTps: 60 },
      { origin: sink.url, fit: fitUsl, timeout: 5000, onStep: (c) => steps.push(c) },
    );
    expect(steps).toEqual([1, 2, 4, 8, 16]);
    expect(stats.points.map((p) => p.concurrency)).toEqual([1, 2, 4, 8, 16]);
    // The planner's real USL fit; the peak is capped by what was measured past N*.
    expect(stats.usl).not.toBeNull();
    const peak = stats.peak as number;
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
