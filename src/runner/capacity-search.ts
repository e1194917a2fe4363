/**
 * The capacity search as pure logic over an injected probe: open-model steps upwards from
 * `from`, then bisection between the highest rate that held and the lowest that failed, then a
 * repeat of the boundary step. It knows nothing of HTTP or time, so it is tested with a fake probe.
 */

/** What one probe (a fixed arrival rate held for a step) found. */
export interface ProbeOutcome {
  /** Arrivals per second the step was asked to drive. */
  rate: number;
  /** `held`: every budget held, nothing dropped, the generator kept up; `failed`: a budget broke; `invalid`: the generator could not drive the rate. */
  status: 'held' | 'failed' | 'invalid';
  /** Why it did not hold (empty when held). */
  reasons: string[];
  /**
   * The highest rate this step shows to be sustainable: `rate` discounted by the measured queue
   * growth (a queue that grows by g ms per second is about g/1000 over capacity). Equals `rate`
   * when latency did not grow.
   */
  sustainable: number;
  /** True when the failure may be noise (every bound within 1.5x, or no growing queue behind it): worth a second try. */
  marginal: boolean;
  /** Latency percentiles (ms, from the intended send), for the chart and the report. */
  latency: { p50: number | null; p95: number | null; p99: number | null };
  /** Share of sent requests that failed or timed out. */
  errorRate: number | null;
  /** Arrivals the generator dropped. */
  dropped: number;
  /** How fast latency grew across the step, ms per second (near 0 for a stable queue). */
  growth: number | null;
}

/** One probe as the search ran it, in order. */
export interface SearchProbe extends ProbeOutcome {
  /** 1-based order of the probe. */
  index: number;
  /** What the probe was for. */
  role: 'step' | 'bisect' | 'retry' | 'repeat';
}

/** How the search proceeds. */
export interface SearchPlan {
  from: number;
  to: number;
  /** Each upward step multiplies the rate by this (above 1). */
  growth: number;
  /** Bisection stops when (failed - held) / held is at most this fraction. */
  resolution: number;
  /** At most this many probes in all (retries and repeats included). */
  maxProbes: number;
  /** Re-run a failure that may be noise once before believing it (a shared machine). */
  retryMarginal: boolean;
  /** Re-run an invalid step (the generator lagged) up to this many times (default 0). */
  retryInvalid?: number;
  /** Waits before the n-th retry of an invalid step, so a burst of other work on the machine passes. */
  pause?: (attempt: number) => Promise<void>;
}

/** The search's answer and how sure it is. */
export interface SearchAnswer {
  /** The highest sustainable arrival rate that held its budget, confirmed by a repeat; null when even `from` failed. */
  rate: number | null;
  /** The lowest rate that failed (the bracket's top), or null when none failed within `to`. */
  failedAt: number | null;
  /** Why the search ended where it did, for the report. */
  note: string;
  confidence: {
    held: number;
    failed: number;
    invalid: number;
    /** Did the boundary step hold again when repeated? null when not repeated. */
    repeatHeld: boolean | null;
    /** |p95 of the repeat - p95 of the first run| at the boundary, ms: the step-to-step noise. */
    p95Noise: number | null;
    /** (failedAt - rate) / rate: how tight the bracket is. */
    bracket: number | null;
  };
  probes: SearchProbe[];
}

/** Runs one probe at a rate. */
export type Probe = (rate: number) => Promise<ProbeOutcome>;

/**
 * Searches for the highest arrival rate that holds. Upward steps (`from`, `from*growth`, ...,
 * capped at `to`) until one fails; bisection between the last held and the first failed until
 * the bracket is within `resolution`; the boundary step is then repeated, and if the repeat
 * fails the bracket moves down to the next rate that held and bisection resumes. A marginal
 * failure that may be noise is retried once (it holds if the retry holds), an invalid step a few times, so one noisy second does not end the
 * climb, while a rate far over capacity fails at once. An `invalid` step (the generator could
 * not drive the rate) caps the search: the answer is then a lower bound on the system, said so.
 */
export async function searchCapacity(plan: SearchPlan, probe: Probe): Promise<SearchAnswer> {
  const probes: SearchProbe[] = [];
  const run = async (rate: number, role: SearchProbe['role']): Promise<SearchProbe> => {
    const outcome = await probe(rate);
    const entry: SearchProbe = { ...outcome, index: probes.length + 1, role };
    probes.push(entry);
    return entry;
  };
  const budgetLeft = () => probes.length < plan.maxProbes;
  // One decision per rate: a failure that may be noise gets one more try; an invalid step (the
  // generator lagged: a busy machine) up to `retryInvalid` more, each after a longer pause.
  const decide = async (rate: number, role: SearchProbe['role']): Promise<SearchProbe> => {
    let p = await run(rate, role);
    if (p.status === 'failed' && p.marginal && plan.retryMarginal && budgetLeft()) p = await run(rate, 'retry');
    for (let i = 1; p.status === 'invalid' && i <= (plan.retryInvalid ?? 0) && budgetLeft(); i++) {
      await plan.pause?.(i);
      p = await run(rate, 'retry');
      if (p.status === 'failed' && p.marginal && plan.retryMarginal && budgetLeft()) p = await run(rate, 'retry');
    }
    return p;
  };

  const held: SearchProbe[] = [];
  let failedAt: number | null = null;
  let invalidAt: number | null = null;
  const record = (p: SearchProbe) => {
    if (p.status === 'held') held.push(p);
    else if (p.status === 'invalid') invalidAt = invalidAt === null ? p.rate : Math.min(invalidAt, p.rate);
    else failedAt = failedAt === null ? p.rate : Math.min(failedAt, p.rate);
  };

  // Upward steps.
  let rate = plan.from;
  while (budgetLeft()) {
    const p = await decide(rate, 'step');
    record(p);
    if (p.status !== 'held' || rate >= plan.to) break;
    rate = Math.min(plan.to, rate * plan.growth);
  }
  const top = () => Math.min(failedAt ?? Number.POSITIVE_INFINITY, invalidAt ?? Number.POSITIVE_INFINITY);
  const best = () => held.filter((p) => p.rate < top()).reduce<SearchProbe | null>((a, p) => (a && a.rate >= p.rate ? a : p), null);

  // Bisection, then a repeat of the boundary; a failed repeat sends the boundary down.
  let repeatHeld: boolean | null = null;
  let p95Noise: number | null = null;
  for (let round = 0; round < 3 && budgetLeft(); round++) {
    let lo = best();
    if (!lo) break;
    while (Number.isFinite(top()) && (top() - lo.rate) / lo.rate > plan.resolution && budgetLeft()) {
      record(await decide((lo.rate + top()) / 2, 'bisect'));
      lo = best() as SearchProbe;
    }
    if (!budgetLeft()) break;
    const again = await run(lo.rate, 'repeat');
    repeatHeld = again.status === 'held';
    p95Noise = again.latency.p95 !== null && lo.latency.p95 !== null ? Math.abs(again.latency.p95 - lo.latency.p95) : null;
    if (repeatHeld) {
      held.push(again);
      break;
    }
    // The boundary did not hold twice: it is not an answer. Everything at or above it counts as failed.
    failedAt = Math.min(failedAt ?? lo.rate, lo.rate);
    held.splice(0, held.length, ...held.filter((p) => p.rate < lo.rate));
  }
  return answer(probes, best(), failedAt, invalidAt, plan, repeatHeld, p95Noise);
}

function answer(
  probes: SearchProbe[],
  lo: SearchProbe | null,
  failedAt: number | null,
  invalidAt: number | null,
  plan: SearchPlan,
  repeatHeld: boolean | null,
  p95Noise: number | null,
): SearchAnswer {
  // The answer never exceeds what the boundary step (and its repeat) showed sustainable.
  const sameRate = lo ? probes.filter((p) => p.rate === lo.rate && p.status === 'held') : [];
  const rate = lo ? Math.min(...sameRate.map((p) => p.sustainable)) : null;
  const top = Math.min(failedAt ?? Number.POSITIVE_INFINITY, invalidAt ?? Number.POSITIVE_INFINITY);
  let note: string;
  if (!lo)
    note =
      invalidAt !== null && failedAt === null
        ? `the generator could not drive ${fmt(plan.from)}/s`
        : `even ${fmt(plan.from)}/s did not hold`;
  else if (invalidAt !== null && invalidAt <= top)
    note = `the generator could not drive ${fmt(invalidAt)}/s: the answer is a lower bound on the system`;
  else if (failedAt === null) note = `held up to the top of the range (${fmt(plan.to)}/s): the capacity is at least that`;
  else if (repeatHeld === false) note = 'the boundary step did not hold when repeated (noisy); the answer is the last rate that held twice';
  else if (probes.length >= plan.maxProbes && (top - lo.rate) / lo.rate > plan.resolution)
    note = 'stopped at the probe limit before the bracket closed';
  else note = `held ${fmt(lo.rate)}/s, failed ${fmt(failedAt)}/s`;
  const count = (s: ProbeOutcome['status']) => probes.filter((p) => p.status === s).length;
  return {
    rate,
    failedAt,
    note,
    confidence: {
      held: count('held'),
      failed: count('failed'),
      invalid: count('invalid'),
      repeatHeld,
      p95Noise,
      bracket: lo && Number.isFinite(top) ? (top - lo.rate) / lo.rate : null,
    },
    probes,
  };
}

function fmt(n: number): string {
  return n >= 100 ? String(Math.round(n)) : String(Math.round(n * 10) / 10);
}
