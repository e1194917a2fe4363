import type { Clock, Rng, SearchStats } from '../core/index.ts';
import { createRng } from '../core/index.ts';
import { type ProbeOutcome, type SearchAnswer, type SearchPlan, searchCapacity } from './capacity-search.ts';
import { judgeProbe, measureProbe, type ProbeRunOptions, type SearchBudget } from './search-probe.ts';
import { createRequestFactory, type TemplateSpec } from './templates.ts';

/** A capacity search as the runner needs it (the schema's `search` step, resolved). */
export interface SearchSpec extends SearchPlan {
  name: string;
  templates: readonly TemplateSpec[];
  recipients: { count: number; pattern: string };
  arrival: 'uniform' | 'poisson';
  /** How long each rate is held, ms. */
  stepDuration: number;
  /** Pause after each probe, ms. */
  cooldown: number;
  budget: SearchBudget;
  /** The rate the plan (or the scenario) needs, per second, or null. */
  target: number | null;
}

/** Where and how the probes run. */
export interface SearchEnv {
  origin: string;
  clock: Clock;
  seed: string;
  token: string;
  timeout: number;
  maxInFlight: number;
  connections: number;
  lateLimit: number;
  lagInvalid: number;
  drain: number;
  signal?: AbortSignal;
  /** Called after each probe (progress). */
  onProbe?: (probe: ProbeOutcome) => void;
}

/** Runs a capacity search against the target: open-model probes, bisection, a repeat of the boundary. */
export async function runSearchStep(spec: SearchSpec, env: SearchEnv): Promise<SearchStats> {
  const rng = createRng(`${env.seed}:${spec.name}`);
  // One factory for every probe: `{{seq}}` and `{{uuid}}` go on counting, so a probe never repeats
  // an earlier probe's request (a sign-up to `new-{{seq}}@...` would otherwise be a duplicate send).
  const factory = createRequestFactory(spec.templates, { rng, clock: env.clock, recipients: spec.recipients, vars: { token: env.token } });
  const requests = () => factory;
  // A short discarded step first: connections, JIT and the target's caches warm up outside the answer.
  await measureProbe(spec.from, probeOptions(spec, env, requests, rng, Math.min(1000, spec.stepDuration)));
  // 5, 10, 20 s: long enough for a burst of other work on a shared machine (a type check, a build) to pass.
  const pause = (attempt: number) => env.clock.sleep(5000 * 2 ** (attempt - 1), env.signal).catch(() => undefined);
  const answer = await searchCapacity({ retryInvalid: 3, pause, ...spec }, async (rate) => {
    if (env.signal?.aborted) return aborted(rate);
    const measure = await measureProbe(rate, probeOptions(spec, env, requests, rng, spec.stepDuration));
    const outcome = env.signal?.aborted ? aborted(rate) : judgeProbe(measure, spec.budget, { lagInvalid: env.lagInvalid });
    env.onProbe?.(outcome);
    return outcome;
  });
  return describeSearch(spec, answer);
}

function probeOptions(
  spec: SearchSpec,
  env: SearchEnv,
  requests: ProbeRunOptions['requests'],
  rng: Rng,
  duration: number,
): ProbeRunOptions {
  return {
    origin: env.origin,
    requests,
    arrival: spec.arrival,
    rng,
    duration,
    cooldown: spec.cooldown,
    clock: env.clock,
    timeout: env.timeout,
    maxInFlight: env.maxInFlight,
    connections: env.connections,
    lateLimit: env.lateLimit,
    drain: env.drain,
    ...(env.signal ? { signal: env.signal } : {}),
  };
}

/** Adds the spec's facts, the headroom against the target and the one-line summary to an answer (result.json's `searches[]`). */
export function describeSearch(spec: SearchSpec, answer: SearchAnswer): SearchStats {
  const headroom = spec.target && answer.rate !== null ? (answer.rate - spec.target) / spec.target : null;
  return {
    name: spec.name,
    budget: spec.budget,
    from: spec.from,
    to: spec.to,
    stepDuration: spec.stepDuration,
    target: spec.target,
    headroom,
    summary: summaryLine(spec, answer.rate, headroom),
    ...answer,
  };
}

function summaryLine(spec: SearchSpec, rate: number | null, headroom: number | null): string {
  const budget = budgetText(spec.budget);
  const holds = rate === null ? `holds no rate from ${spec.from}/s at ${budget}` : `holds ${Math.floor(rate)}/s at ${budget}`;
  if (!spec.target) return holds;
  const need = `the plan needs ${round(spec.target)}/s`;
  if (headroom === null) return `${holds}; ${need}: FAIL`;
  const pct = Math.round(headroom * 100);
  return pct >= 0 ? `${holds}; ${need}: ${pct}% headroom` : `${holds}; ${need}: ${-pct}% short`;
}

/** "p95 < 200ms, errors < 1%". */
export function budgetText(b: SearchBudget): string {
  const parts = (['p50', 'p95', 'p99', 'avg'] as const).flatMap((k) => (b[k] === undefined ? [] : [`${k} < ${b[k]}ms`]));
  return [...parts, `errors < ${round(b.errors * 100)}%`].join(', ');
}

function aborted(rate: number) {
  return {
    rate,
    status: 'invalid' as const,
    reasons: ['the run was aborted'],
    sustainable: rate,
    marginal: false,
    latency: { p50: null, p95: null, p99: null },
    errorRate: null,
    dropped: 0,
    growth: null,
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
