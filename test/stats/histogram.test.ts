import { describe, expect, it } from 'vitest';
import { readLatency } from '../../src/gate/index.ts';
import { createLatencyHistogram, decodeLatencyHistogram, mergeLatencySummaries } from '../../src/stats/index.ts';

function filled(values: number[]) {
  const h = createLatencyHistogram();
  for (const v of values) h.record(v);
  return h;
}

describe('latency histogram', () => {
  it('summarises 1..1000 ms within 0.1%', () => {
    const s = filled(Array.from({ length: 1000 }, (_, i) => i + 1)).toSummary();
    expect(s.count).toBe(1000);
    expect(s.min).toBe(1);
    expect(s.max).toBeCloseTo(1000, -1);
    expect(Math.abs((s.p50 as number) - 500) / 500).toBeLessThan(0.001);
    expect(Math.abs((s.p99 as number) - 990) / 990).toBeLessThan(0.001);
    expect(Math.abs((s.mean as number) - 500.5) / 500.5).toBeLessThan(0.001);
  });

  it('has null figures and no hdr when empty', () => {
    const s = createLatencyHistogram().toSummary();
    expect(s).toEqual({ count: 0, min: null, mean: null, p50: null, p90: null, p95: null, p99: null, p999: null, max: null });
  });

  it.each([
    [0, 0.001],
    [-5, 0.001],
    [0.0004, 0.001],
    [7_200_000, 3_600_000],
  ])('clamps %s ms to %s ms', (value, expected) => {
    const s = filled([value]).toSummary();
    expect(Math.abs((s.max as number) - expected) / expected).toBeLessThan(0.001);
  });

  it('round-trips through the encoded form and merges exactly', () => {
    const a = filled([1, 2, 3, 4, 5]).toSummary();
    const b = filled([100, 200, 300]).toSummary();
    const merged = mergeLatencySummaries([a, b]);
    const direct = filled([1, 2, 3, 4, 5, 100, 200, 300]).toSummary();
    expect(merged).toEqual(direct);
    expect(decodeLatencyHistogram(a)?.percentile(100)).toBe(a.max);
  });

  it('cannot merge a summary that has no histogram', () => {
    expect(mergeLatencySummaries([{ count: 1, min: 1, mean: 1, p50: 1, p90: 1, p95: 1, p99: 1, p999: 1, max: 1 }])).toBeNull();
  });

  it('is readable by the gate for percentiles beyond the summary', () => {
    const s = filled(Array.from({ length: 100 }, (_, i) => i + 1)).toSummary();
    expect(readLatency(s, { name: 'p', percentile: 75 })).toBeCloseTo(75, 1);
  });
});
