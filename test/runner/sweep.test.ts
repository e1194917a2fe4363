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
  /**
   * What holds however loaded the machine is: a sink serving 4 at a time for >= 50 ms each can
   * never exceed min(n, 4) x 20/s (a busy machine only makes it slower), no response comes back
   * sooner than 50 ms, and with 16 outstanding Little's law puts the mean wait at >= 16 / 80 s.
   * How close to 80/s it gets depends on the machine: that is not asserted here.
   */
  it('sweeps a sink serving c = 4 at a time, s = 50 ms each, within what that sink can physically do', { timeout: 60_000 }, async () => {
    sink = await startSink(() => ({ delay: 50 }), { concurrency: 4 });
    const steps: number[] = [];
    const stats = await runSweep(
      { name: 's', method: 'GET', path: '/work', headers: {}, concurrency: [1, 2, 4, 8, 16], duration: 1000, targetTps: 60 },
      { origin: sink.url, fit: fitUsl, timeout: 5000, onStep: (c) => steps.push(c) },
    );
    expect(steps).toEqual([1, 2, 4, 8, 16]);
    expect(stats.points.map((p) => p.concurrency)).toEqual([1, 2, 4, 8, 16]);
    // (responses - 1) / (last - first) over a ~1 s step overshoots c / s by a round at most: 15% covers it.
    for (const p of stats.points) {
      expect(p.throughput, `throughput at ${p.concurrency}`).toBeGreaterThan(0);
      expect(p.throughput, `throughput at ${p.concurrency}`).toBeLessThanOrEqual(Math.min(p.concurrency, 4) * 20 * 1.15);
      expect(p.latency.min, `fastest response at ${p.concurrency}`).toBeGreaterThanOrEqual(49);
      expect(p.errors).toBe(0);
    }
    expect(stats.points.at(-1)?.latency.mean).toBeGreaterThanOrEqual(150);
    // The planner's real USL fit runs on the points, and headroom follows from the peak.
    expect(stats.usl).not.toBeNull();
    const peak = stats.peak as number;
    expect(peak).toBeGreaterThan(0);
    expect(stats.headroom).toBeCloseTo((peak - 60) / 60, 6);
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
