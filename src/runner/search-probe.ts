import type { Clock, Rng } from '../core/index.ts';
import { createLatencyHistogram } from '../stats/index.ts';
import type { ProbeOutcome } from './capacity-search.ts';
import { runPacer } from './pacer.ts';
import { createRecorder, type Recorder, type RecorderTotals } from './recorder.ts';
import { buildSchedule } from './schedule.ts';
import type { RequestFactory } from './templates.ts';

/** What must hold at a rate: latency bounds in ms (from the intended send) and a share of failures. */
export interface SearchBudget {
  p50?: number;
  p95?: number;
  p99?: number;
  avg?: number;
  /** Share of sent requests that may fail (errors and timeouts together). */
  errors: number;
}

/** What one probe measured, before it is judged. */
export interface ProbeMeasure {
  rate: number;
  sent: number;
  failures: number;
  /** Failures by class (`http_5xx`, `connect`, `timeout`, ...), to say what failed. */
  failedBy?: Record<string, number>;
  dropped: { inflight: number; late: number };
  scheduleLagP99: number | null;
  latency: { p50: number | null; p95: number | null; p99: number | null; avg: number | null };
  /** Latency growth across the step, ms per second; null without enough samples. */
  growth: number | null;
  /** Seconds between the first and last third's centres (how long growth had to show). */
  span: number;
}

/** Generator facts the probe is judged by (the scenario's tolerances). */
export interface ProbeTolerances {
  /** p99 schedule lag above which the generator fell behind (INVALID for a run). */
  lagInvalid: number;
}

/** Latency medians of two thirds of a step differing by less than this are noise, ms. */
export const GROWTH_NOISE_MS = 5;

/**
 * Judges one probe. It holds when nothing was dropped, the generator kept its schedule, every
 * latency bound and the failure share held, and latency did not grow across the step: a queue
 * that grows is over capacity however good its percentiles look over a few seconds. The growth
 * allowance is a tenth of the tightest latency bound (at least {@link GROWTH_NOISE_MS}) over the
 * step; the rate is then discounted by the growth measured (plus that noise allowance), because
 * a FIFO queue fed (1 + e) times its capacity grows its wait by e seconds per second.
 */
export function judgeProbe(m: ProbeMeasure, budget: SearchBudget, tol: ProbeTolerances): ProbeOutcome {
  const invalid: string[] = [];
  const broken: { text: string; ratio: number }[] = [];
  if (m.sent === 0) invalid.push('nothing was sent');
  if (m.dropped.late > 0) invalid.push(`the generator dropped ${m.dropped.late} arrivals it could not send in time`);
  if (m.scheduleLagP99 !== null && m.scheduleLagP99 > tol.lagInvalid)
    invalid.push(`the generator fell behind (p99 schedule lag ${round(m.scheduleLagP99)}ms > ${tol.lagInvalid}ms)`);
  if (m.dropped.inflight > 0) broken.push({ text: `${m.dropped.inflight} arrivals found the in-flight cap full`, ratio: 2 });
  for (const key of ['p50', 'p95', 'p99', 'avg'] as const) {
    const bound = budget[key];
    const actual = m.latency[key];
    if (bound === undefined) continue;
    if (actual === null) broken.push({ text: `no ${key} latency`, ratio: 2 });
    else if (actual > bound) broken.push({ text: `${key} ${round(actual)}ms > ${bound}ms`, ratio: actual / bound });
  }
  const errorRate = m.sent > 0 ? m.failures / m.sent : null;
  if (errorRate !== null && errorRate > budget.errors)
    broken.push({
      text: `errors ${round(errorRate * 100)}% > ${round(budget.errors * 100)}%`,
      ratio: errorRate / Math.max(budget.errors, 1e-9),
    });
  const allowance = growthAllowance(budget, m.span);
  const growing = m.growth !== null && m.growth > allowance;
  if (growing)
    broken.push({
      text: `latency grew ${round(m.growth as number)}ms/s (a growing queue: over capacity)`,
      ratio: (m.growth as number) / allowance,
    });
  const status = invalid.length > 0 ? 'invalid' : broken.length > 0 ? 'failed' : 'held';
  const noise = m.span > 0 ? GROWTH_NOISE_MS / m.span : 0;
  return {
    rate: m.rate,
    status,
    reasons: [...invalid, ...broken.map((b) => b.text)],
    sustainable: m.rate / (1 + (Math.max(0, m.growth ?? 0) + noise) / 1000),
    // A queue that did not grow points at a noisy moment (a stall elsewhere on the machine), not at capacity.
    marginal: status === 'failed' && (broken.every((b) => b.ratio <= 1.5) || (!growing && m.dropped.inflight === 0)),
    latency: { p50: m.latency.p50, p95: m.latency.p95, p99: m.latency.p99 },
    errorRate,
    dropped: m.dropped.inflight + m.dropped.late,
    growth: m.growth,
  };
}

/** Latency growth a stable queue may show, ms per second over a step whose thirds are `span` s apart. */
export function growthAllowance(budget: SearchBudget, span: number): number {
  const bounds = [budget.p50, budget.p95, budget.p99, budget.avg].filter((b): b is number => b !== undefined);
  const tightest = bounds.length > 0 ? Math.min(...bounds) : 1000;
  return Math.max(GROWTH_NOISE_MS, tightest / 10) / Math.max(span, 0.001);
}

/** What a real probe needs: the target, its requests and the generator's limits. */
export interface ProbeRunOptions {
  origin: string;
  /** A fresh request factory per probe (templates, seeded fields). */
  requests: () => RequestFactory;
  arrival: 'uniform' | 'poisson';
  rng: Rng;
  /** How long each rate is held, ms. */
  duration: number;
  /** A pause after each probe so a backlog does not leak into the next, ms. */
  cooldown: number;
  clock: Clock;
  timeout: number;
  maxInFlight: number;
  connections: number;
  lateLimit: number;
  drain: number;
  signal?: AbortSignal;
}

/** Holds one arrival rate against the target for a step and measures it (its own recorder: the run's figures stay the run's). */
export async function measureProbe(rate: number, o: ProbeRunOptions): Promise<ProbeMeasure> {
  const samples: { at: number; latency: number }[] = [];
  const recorder = capture(createRecorder(), samples);
  const start = o.clock.now() + 20;
  await runPacer({
    origin: o.origin,
    schedule: buildSchedule([{ duration: o.duration, rate }], { arrival: o.arrival, rng: o.rng }),
    requests: o.requests(),
    recorder,
    clock: o.clock,
    runStart: start,
    phaseOffset: 0,
    timeout: o.timeout,
    maxInFlight: o.maxInFlight,
    connections: o.connections,
    lateLimit: o.lateLimit,
    drain: o.drain,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const totals = recorder.finish(o.clock.now() - start);
  await o.clock.sleep(o.cooldown, o.signal).catch(() => undefined);
  return summarise(rate, totals, samples, o.duration);
}

/** Builds the measure from a probe's totals and its (intended time, latency) samples. */
export function summarise(rate: number, totals: RecorderTotals, samples: readonly { at: number; latency: number }[], duration: number) {
  const failures = Object.values(totals.errors).reduce((a, b) => a + b, 0) + totals.timeouts;
  const l = totals.latencyCorrected;
  const { growth, span } = latencyGrowth(samples, duration);
  return {
    rate,
    sent: totals.requests,
    failures,
    failedBy: { ...totals.errors, ...(totals.timeouts > 0 ? { timeout: totals.timeouts } : {}) },
    dropped: { ...totals.droppedBy },
    scheduleLagP99: totals.scheduleLag.p99,
    latency: { p50: l.p50, p95: l.p95, p99: l.p99, avg: l.mean },
    growth,
    span,
  } satisfies ProbeMeasure;
}

/** Median latency of the step's last third minus its first third (by intended time), per second between their centres. */
export function latencyGrowth(
  samples: readonly { at: number; latency: number }[],
  duration: number,
): { growth: number | null; span: number } {
  const span = ((2 / 3) * duration) / 1000;
  const first = createLatencyHistogram();
  const last = createLatencyHistogram();
  for (const s of samples) {
    if (s.at < duration / 3) first.record(s.latency);
    else if (s.at >= (2 * duration) / 3) last.record(s.latency);
  }
  const a = first.percentile(50);
  const b = last.percentile(50);
  return { growth: a === null || b === null || first.count < 5 || last.count < 5 ? null : (b - a) / span, span };
}

// Keeps each completion's intended time (ms from the probe's start) and corrected latency.
function capture(inner: Recorder, samples: { at: number; latency: number }[]): Recorder {
  return {
    ...inner,
    completed(now, corrected, raw, outcome) {
      samples.push({ at: now - corrected, latency: corrected });
      inner.completed(now, corrected, raw, outcome);
    },
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
