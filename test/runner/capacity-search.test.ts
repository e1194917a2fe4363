import { describe, expect, it } from 'vitest';
import { type ProbeOutcome, type SearchPlan, searchCapacity } from '../../src/runner/capacity-search.ts';
import { judgeProbe, latencyGrowth, type ProbeMeasure } from '../../src/runner/search-probe.ts';

const PLAN: SearchPlan = { from: 50, to: 400, growth: 1.5, resolution: 0.02, maxProbes: 30, retryMarginal: true };

/**
 * A virtual FIFO queue of capacity `mu` on virtual time: over capacity by e, its wait grows e s
 * per s, so a step of 4 s shows growth 1000e ms/s; `quirk` lets a test make chosen probes fail.
 */
function virtualQueue(mu: number, quirk: (rate: number, nth: number) => Partial<ProbeOutcome> = () => ({})) {
  const seen: number[] = [];
  const probe = async (rate: number): Promise<ProbeOutcome> => {
    seen.push(rate);
    const e = Math.max(0, rate / mu - 1);
    const measure: ProbeMeasure = {
      rate,
      sent: Math.round(rate * 4),
      failures: 0,
      dropped: { inflight: 0, late: 0 },
      scheduleLagP99: 1,
      latency: { p50: 50 + e * 2000, p95: 50 + e * 3800, p99: 50 + e * 3960, avg: 50 + e * 2000 },
      growth: e * 1000,
      span: 8 / 3,
    };
    return { ...judgeProbe(measure, { p95: 200, errors: 0.01 }, { lagInvalid: 50 }), ...quirk(rate, seen.length) };
  };
  return { probe, seen };
}

describe('searchCapacity on a virtual queue', () => {
  it.each([60, 120, 200, 333, 390])('finds the capacity of a queue of %i/s within 2%, never above', async (mu) => {
    const { probe, seen } = virtualQueue(mu);
    const answer = await searchCapacity(PLAN, probe);
    expect(answer.rate).not.toBeNull();
    expect(answer.rate as number).toBeLessThanOrEqual(mu);
    expect(answer.rate as number).toBeGreaterThanOrEqual(mu * 0.97);
    expect(answer.confidence.repeatHeld).toBe(true);
    expect(answer.confidence.failed).toBeGreaterThan(0);
    expect(seen.length).toBeLessThanOrEqual(PLAN.maxProbes);
  });

  it('discounts a step that held slightly over capacity by its queue growth', async () => {
    // 0.5% over: the p95 and the growth allowance both hold, the growth shows the overload.
    const { probe } = virtualQueue(200);
    const outcome = await probe(201);
    expect(outcome.status).toBe('held');
    expect(outcome.sustainable).toBeLessThanOrEqual(200);
  });

  it('retries a marginal failure once and keeps climbing when the retry holds', async () => {
    const { probe } = virtualQueue(200, (_rate, nth) => (nth === 2 ? { status: 'failed', marginal: true, reasons: ['noise'] } : {}));
    const answer = await searchCapacity(PLAN, probe);
    expect(answer.probes[1]?.status).toBe('failed');
    expect(answer.probes[2]?.role).toBe('retry');
    expect(answer.rate as number).toBeGreaterThanOrEqual(194);
  });

  it('moves the boundary down when its repeat fails', async () => {
    const first = await searchCapacity(PLAN, virtualQueue(200).probe);
    const boundary = first.probes.find((p) => p.role === 'repeat')?.rate as number;
    // The same queue, except that the boundary's second run fails: it must not be the answer.
    let runs = 0;
    const flaky = virtualQueue(200, (rate) =>
      rate === boundary && runs++ >= 1 ? { status: 'failed', marginal: false, reasons: ['noise'] } : {},
    );
    const second = await searchCapacity(PLAN, flaky.probe);
    expect(second.rate as number).toBeLessThan(boundary);
    expect(second.confidence.repeatHeld).toBe(true);
    expect(second.probes.filter((p) => p.role === 'repeat').length).toBe(2);
  });

  it('has no answer when even `from` fails, and says so', async () => {
    const answer = await searchCapacity(PLAN, virtualQueue(20).probe);
    expect(answer.rate).toBeNull();
    expect(answer.note).toContain('did not hold');
  });

  it('says the capacity is at least `to` when the top of the range holds', async () => {
    const answer = await searchCapacity(PLAN, virtualQueue(10_000).probe);
    expect(answer.rate as number).toBeLessThanOrEqual(400);
    expect(answer.failedAt).toBeNull();
    expect(answer.note).toContain('at least');
  });

  it('retries an invalid step before letting it cap the search', async () => {
    const lagged = virtualQueue(200, (_rate, nth) => (nth === 2 ? { status: 'invalid', marginal: false, reasons: ['lag'] } : {}));
    const answer = await searchCapacity({ ...PLAN, retryInvalid: 2 }, lagged.probe);
    expect(answer.probes[2]?.role).toBe('retry');
    expect(answer.rate as number).toBeGreaterThanOrEqual(194);
  });

  it('calls the answer a lower bound when the generator cannot drive a rate', async () => {
    const invalid = virtualQueue(10_000, (rate) =>
      rate > 150 ? { status: 'invalid', marginal: false, reasons: ['the generator fell behind'] } : {},
    );
    const answer = await searchCapacity(PLAN, invalid.probe);
    expect(answer.rate as number).toBeLessThanOrEqual(150);
    expect(answer.note).toContain('lower bound');
  });

  it('stops at the probe limit', async () => {
    const { probe, seen } = virtualQueue(200);
    await searchCapacity({ ...PLAN, maxProbes: 5 }, probe);
    expect(seen.length).toBe(5);
  });
});

describe('judgeProbe', () => {
  const base: ProbeMeasure = {
    rate: 100,
    sent: 400,
    failures: 0,
    dropped: { inflight: 0, late: 0 },
    scheduleLagP99: 2,
    latency: { p50: 40, p95: 60, p99: 80, avg: 45 },
    growth: 0,
    span: 2,
  };
  const budget = { p95: 200, errors: 0.01 };
  it('holds a stable step within budget', () => expect(judgeProbe(base, budget, { lagInvalid: 50 }).status).toBe('held'));
  it('fails a step whose queue grows even while its p95 is within budget', () => {
    const out = judgeProbe({ ...base, growth: 40 }, budget, { lagInvalid: 50 });
    expect(out.status).toBe('failed');
    expect(out.reasons.join()).toContain('growing queue');
  });
  it('fails on errors over budget and on the in-flight cap', () => {
    expect(judgeProbe({ ...base, failures: 20 }, budget, { lagInvalid: 50 }).reasons.join()).toContain('errors 5%');
    expect(judgeProbe({ ...base, dropped: { inflight: 3, late: 0 } }, budget, { lagInvalid: 50 }).status).toBe('failed');
  });
  it('calls a step invalid when the generator lagged or dropped late arrivals', () => {
    expect(judgeProbe({ ...base, scheduleLagP99: 80 }, budget, { lagInvalid: 50 }).status).toBe('invalid');
    expect(judgeProbe({ ...base, dropped: { inflight: 0, late: 1 } }, budget, { lagInvalid: 50 }).status).toBe('invalid');
  });
  it('marks a failure that may be noise as worth a retry, and a growing queue far over budget as not', () => {
    const over = (p95: number, growth: number) =>
      judgeProbe({ ...base, latency: { ...base.latency, p95 }, growth }, budget, { lagInvalid: 50 });
    expect(over(250, 0).marginal).toBe(true);
    // Far over its p95 but flat: a stall elsewhere on the machine, not a full queue.
    expect(over(900, 0).marginal).toBe(true);
    expect(over(900, 200).marginal).toBe(false);
  });
});

describe('latencyGrowth', () => {
  it('reads a queue growing 30 ms per second from its samples, and none from a flat one', () => {
    const growing = Array.from({ length: 300 }, (_, i) => ({ at: i * 10, latency: 50 + i * 10 * 0.03 }));
    expect(latencyGrowth(growing, 3000).growth).toBeCloseTo(30, 0);
    const flat = Array.from({ length: 300 }, (_, i) => ({ at: i * 10, latency: 50 + (i % 7) }));
    expect(Math.abs(latencyGrowth(flat, 3000).growth as number)).toBeLessThan(2);
  });
});
