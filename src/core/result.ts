import { z } from 'zod';
import { PROVIDER_KINDS, PROVIDER_UNITS } from './providers.ts';

/**
 * The result contract: what `floodgate run` (and `floodgate import k6`) writes, and what
 * reports and the gate read. Versioned by {@link RESULT_SCHEMA_VERSION}; `schemas/result.schema.json`
 * is generated from this (a test keeps the two in sync). Changes must be additive within a
 * version; anything else bumps the version.
 *
 * Units: times in milliseconds, rates per second, sizes in bytes, `t` offsets in milliseconds
 * from the run's start.
 */
export const RESULT_SCHEMA_VERSION = 1;

/** A latency distribution: summary figures plus the HdrHistogram, base64-encoded and mergeable. */
export const LatencySummary = z.object({
  count: z.number().int().nonnegative(),
  min: z.number().nullable(),
  mean: z.number().nullable(),
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
  p999: z.number().nullable(),
  max: z.number().nullable(),
  /** HdrHistogram V2 compressed base64 (hdr-histogram-js `encodeIntoCompressedBase64`), values in microseconds. */
  hdr: z.string().optional(),
});
export type LatencySummary = z.infer<typeof LatencySummary>;

/** One second of the run as the load generator saw it. */
export const TimelineSecond = z.object({
  /** Start of this second, ms from the run's start. */
  t: z.number(),
  intended: z.number().int().nonnegative(),
  sent: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  dropped: z.number().int().nonnegative(),
  timeouts: z.number().int().nonnegative(),
  /** Failures by class: `http_4xx`, `http_5xx`, `connect`, `reset`, ... */
  errors: z.record(z.string(), z.number().int().nonnegative()),
  /** Latency from the intended send time (coordinated-omission corrected). */
  latencyCorrected: LatencySummary,
  /** Latency from the actual send. */
  latencyRaw: LatencySummary,
  /** How late sends left against their intended time. */
  lagP99: z.number().nullable(),
  lagMax: z.number().nullable(),
});
export type TimelineSecond = z.infer<typeof TimelineSecond>;

/** What a mock provider saw: enforcement and measurement kept apart. */
export const ProviderStats = z.object({
  /** A registered kind (src/core/providers.ts), or `other` for a provider floodgate does not model (k6 imports). */
  kind: z.enum([...PROVIDER_KINDS, 'other']),
  /** The configured limit in the provider's unit, normalised per second (null: unlimited). */
  limitPerSecond: z.number().nullable(),
  /** What the limit counts: messages, recipients or requests. */
  unit: z.enum(PROVIDER_UNITS),
  admitted: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  /** Largest count of admitted units in any sliding 1 s window. */
  maxPerSecondWindow: z.number().int().nonnegative(),
  /** Largest count of admitted units in any sliding 60 s window. */
  maxPerMinuteWindow: z.number().int().nonnegative(),
  /** Admitted and rejected units per aligned second, index 0 = the run's first second. */
  perSecond: z.array(z.object({ t: z.number(), admitted: z.number().int(), rejected: z.number().int() })),
  /**
   * Distinct recipients that received the same content more than once, whatever the client key:
   * floodgate's one definition of a duplicate (the ledger, the built-in check and the reports).
   */
  duplicates: z.number().int().nonnegative(),
  /** Deliveries beyond the first, summed over recipients. */
  duplicateDeliveries: z.number().int().nonnegative(),
  /**
   * Sends the provider suppressed because their client key had been accepted before (`dedupe: true`):
   * the sender retrying correctly, not a duplicate. Optional: results before it lack it.
   */
  deduplicated: z.number().int().nonnegative().optional(),
  /** Deliveries made in the run, duplicates included. Optional: results before it lack it. */
  delivered: z.number().int().nonnegative().optional(),
  /** How many recipients got 1, 2, 3, ... deliveries: `{ "1": 41990, "2": 10 }`. */
  deliveriesPerRecipient: z.record(z.string(), z.number().int().nonnegative()),
  /** The worst offenders, most deliveries first (at most 100). */
  offenders: z.array(z.object({ recipient: z.string(), count: z.number().int() })),
  callbacks: z
    .object({ sent: z.number().int(), delivered: z.number().int(), failed: z.number().int(), attempts: z.number().int() })
    .nullable(),
});
export type ProviderStats = z.infer<typeof ProviderStats>;

/**
 * A scheduled campaign's lateness (`due:`): per reached recipient, its first delivery's time minus
 * its due time, ms. Negative is before it was due; more than `tolerance` before is `early`.
 */
export const LatenessStats = z.object({
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
  max: z.number().nullable(),
  /** Recipients whose first delivery was recorded more than `tolerance` ms before they were due. */
  early: z.number().int().nonnegative(),
  /** How far before its due time a delivery may be recorded and not count as early (timestamp resolution), ms. */
  tolerance: z.number().nonnegative(),
  /** Recipients with a delivery: the figures are over these (none reached: no figures). */
  reached: z.number().int().nonnegative(),
  /** The first and last recipient's due time, ms after the campaign's start request. */
  firstDue: z.number(),
  lastDue: z.number(),
  /**
   * Lateness by due time, the chart's data: at most 100 buckets of equal due-time width, each with
   * the due time of its first reached recipient (ms after the start request) and its figures.
   */
  buckets: z.array(
    z.object({
      due: z.number(),
      reached: z.number().int().nonnegative(),
      /** The earliest in the bucket: where early deliveries show. */
      min: z.number(),
      p50: z.number(),
      p99: z.number(),
      max: z.number(),
      early: z.number().int().nonnegative(),
    }),
  ),
});
export type LatenessStats = z.infer<typeof LatenessStats>;

/** A campaign tracked to its end against the mock ledgers. */
export const CampaignStats = z.object({
  name: z.string(),
  channel: z.string(),
  provider: z.string(),
  requested: z.number().int().nonnegative(),
  accepted: z.number().int().nonnegative(),
  delivered: z.number().int().nonnegative(),
  lost: z.number().int().nonnegative(),
  duplicated: z.number().int().nonnegative(),
  /** From the campaign request to the last delivery; null when not every recipient arrived. */
  drainTime: z.number().nullable(),
  deadline: z.number().nullable(),
  /** When 50 / 95 / 100% of accepted recipients were delivered, ms after the campaign started. */
  completion: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p100: z.number().nullable() }),
  /** Delivered count over time: `[t, delivered]`. */
  curve: z.array(z.tuple([z.number(), z.number()])),
  /** Accepted but not yet delivered, over time: `[t, backlog]`. */
  backlog: z.array(z.tuple([z.number(), z.number()])),
  /** Up to 10 of the lost recipients' ids, so a FAIL names whom. Optional: only campaigns that lost some carry it. */
  lostSample: z.array(z.string()).optional(),
  /** Why the dispatcher did not accept the campaign (refused, timed out, accepted 0), or null. Optional: older results lack it. */
  startError: z.string().nullable().optional(),
  /**
   * Why tracking stopped before every accepted recipient was delivered or the window ended
   * (`run --fail-fast`, at a definite failure): the undelivered are then not judged lost. Optional.
   */
  stoppedEarly: z.string().optional(),
  /**
   * For a campaign with a fallback provider (Alimtalk falling back to SMS): which provider, how many
   * recipients it reached, and how many got both (each a duplicate: exactly one of the two is right).
   * Optional: only such campaigns carry it.
   */
  fallback: z.object({ provider: z.string(), delivered: z.number().int().nonnegative(), both: z.number().int().nonnegative() }).optional(),
  /** For a campaign with due times (`due:`): how late its recipients were delivered. Optional: only such campaigns carry it. */
  lateness: LatenessStats.optional(),
});
export type CampaignStats = z.infer<typeof CampaignStats>;

/**
 * An HTTP phase's messages tracked to delivery (`track:` on a phase): each request that used
 * `{{tracked}}` is one message to its own recipient. `lost` = answered 2xx and never delivered;
 * `latency` runs from the request's send to the provider recording the delivery, ms.
 */
export const PhaseDeliveryStats = z.object({
  name: z.string(),
  provider: z.string(),
  pattern: z.string(),
  /** Requests that carried a tracked recipient. */
  sent: z.number().int().nonnegative(),
  /** Of those, answered 2xx (the system took the message on). */
  accepted: z.number().int().nonnegative(),
  /** Answered 4xx/5xx (the caller was told it was not sent). */
  refused: z.number().int().nonnegative(),
  /** Timed out or cut off: not known either way. */
  unanswered: z.number().int().nonnegative(),
  /** Recipients with at least one delivery. */
  delivered: z.number().int().nonnegative(),
  lost: z.number().int().nonnegative(),
  /** Recipients delivered more than once. */
  duplicated: z.number().int().nonnegative(),
  /** How long after the phase's last request deliveries were awaited, ms. */
  within: z.number().nonnegative(),
  latency: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable(), max: z.number().nullable() }),
});
export type PhaseDeliveryStats = z.infer<typeof PhaseDeliveryStats>;

/** A closed-loop sweep and its USL fit. */
export const SweepStats = z.object({
  name: z.string(),
  target: z.string(),
  points: z.array(
    z.object({
      concurrency: z.number().int().positive(),
      throughput: z.number(),
      latency: LatencySummary,
      errors: z.number().int().nonnegative(),
    }),
  ),
  usl: z
    .object({
      alpha: z.number(),
      beta: z.number(),
      gamma: z.number(),
      nPeak: z.number().nullable(),
      xPeak: z.number().nullable(),
      xRoof: z.number().nullable(),
    })
    .nullable(),
  targetTps: z.number().nullable(),
  /**
   * The capacity headroom is judged on: the fitted X(N*) capped by the best measured throughput
   * when the sweep went past N* (the USL overshoots a hard ceiling, and a plan must not claim
   * more than was measured); the fit's X(N*) when it extrapolates beyond the last step; the
   * best measurement without a fit. Optional: results before it carry only `usl.xPeak`.
   */
  peak: z.number().nullable().optional(),
  /** (peak - target) / target; null without a target. */
  headroom: z.number().nullable(),
});
export type SweepStats = z.infer<typeof SweepStats>;

/** One probe of a capacity search: a rate held for a step, and what it showed. */
const SearchProbeStats = z.object({
  index: z.number().int().positive(),
  role: z.enum(['step', 'bisect', 'retry', 'repeat']),
  rate: z.number(),
  status: z.enum(['held', 'failed', 'invalid']),
  reasons: z.array(z.string()),
  /** The rate discounted by the queue growth the step showed. */
  sustainable: z.number(),
  marginal: z.boolean(),
  latency: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() }),
  errorRate: z.number().nullable(),
  dropped: z.number().int().nonnegative(),
  /** Latency growth across the step, ms per second. */
  growth: z.number().nullable(),
});

/** A capacity search: the highest arrival rate that held its budget, its confidence and its probes. */
export const SearchStats = z.object({
  name: z.string(),
  budget: z.object({
    p50: z.number().optional(),
    p95: z.number().optional(),
    p99: z.number().optional(),
    avg: z.number().optional(),
    errors: z.number(),
  }),
  from: z.number(),
  to: z.number(),
  stepDuration: z.number(),
  /** The answer, per second; null when even `from` did not hold. */
  rate: z.number().nullable(),
  failedAt: z.number().nullable(),
  /** The rate the plan needs, or null. */
  target: z.number().nullable(),
  /** (rate - target) / target. */
  headroom: z.number().nullable(),
  note: z.string(),
  summary: z.string(),
  confidence: z.object({
    held: z.number().int(),
    failed: z.number().int(),
    invalid: z.number().int(),
    repeatHeld: z.boolean().nullable(),
    p95Noise: z.number().nullable(),
    bracket: z.number().nullable(),
  }),
  probes: z.array(SearchProbeStats),
});
export type SearchStats = z.infer<typeof SearchStats>;

/** A transactional phase's latency alone and while campaigns drained (`phases[].transactional`). */
export const IsolationStats = z.object({
  phase: z.string(),
  budget: z.object({ p50: z.number().optional(), p95: z.number().optional(), p99: z.number().optional(), avg: z.number().optional() }),
  /** The most the campaign may multiply the alone latency by, or null. */
  ratio: z.number().nullable(),
  /** Requests of the phase that completed while no campaign was running. */
  alone: LatencySummary,
  /** Requests of the phase that completed while a campaign was draining. */
  duringCampaign: LatencySummary,
});
export type IsolationStats = z.infer<typeof IsolationStats>;

/** A fault the run injected into the system under test (`fault` steps), and when it happened. */
export const FaultStats = z.object({
  name: z.string(),
  kind: z.literal('restart'),
  target: z.literal('dispatcher'),
  /** 1-based dispatcher process. */
  instance: z.number().int().positive(),
  signal: z.enum(['SIGKILL', 'SIGTERM']),
  /** How long it was kept down before starting again (the step's `down`), ms. */
  down: z.number().nonnegative(),
  /** When the signal was sent, ms from the run's start (null: it never was). */
  killedAt: z.number().nullable(),
  /** When the new process answered again, ms from the run's start (null: it never did). */
  readyAt: z.number().nullable(),
  /** readyAt - killedAt, ms (null when either is missing). */
  downtime: z.number().nullable(),
  /** Why the fault could not be carried out, or null. */
  error: z.string().nullable(),
});
export type FaultStats = z.infer<typeof FaultStats>;

/** A scraped series (Prometheus) or a generator/dispatcher gauge. */
export const Series = z.object({
  name: z.string(),
  labels: z.record(z.string(), z.string()),
  source: z.string(),
  points: z.array(z.tuple([z.number(), z.number()])),
});
export type Series = z.infer<typeof Series>;

/** One threshold's outcome. */
export const ThresholdOutcome = z.object({
  metric: z.string(),
  expression: z.string(),
  actual: z.number().nullable(),
  ok: z.boolean(),
  message: z.string(),
});
export type ThresholdOutcome = z.infer<typeof ThresholdOutcome>;

export const Validity = z.object({
  verdict: z.enum(['VALID', 'DEGRADED', 'INVALID']),
  reasons: z.array(z.string()),
});
export type Validity = z.infer<typeof Validity>;

/** The whole result file. */
export const Result = z.object({
  schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
  meta: z.object({
    tool: z.object({ name: z.literal('floodgate'), version: z.string() }),
    gitCommit: z.string().nullable(),
    scenario: z.object({ name: z.string(), file: z.string().nullable(), hash: z.string() }),
    scale: z.number().positive(),
    startedAt: z.string(),
    endedAt: z.string(),
    duration: z.number().nonnegative(),
    aborted: z.boolean(),
    machine: z.object({
      hostname: z.string(),
      platform: z.string(),
      arch: z.string(),
      cpus: z.number().int(),
      cpuModel: z.string(),
      memory: z.number(),
      node: z.string(),
    }),
    target: z.object({ kind: z.enum(['embedded', 'external', 'k6']), url: z.string().nullable() }),
  }),
  validity: Validity,
  timeline: z.array(TimelineSecond),
  http: z.object({
    requests: z.number().int().nonnegative(),
    completed: z.number().int().nonnegative(),
    dropped: z.number().int().nonnegative(),
    /** Why arrivals were dropped: the in-flight cap was full, or they came due too late to send (added in v1, optional). */
    droppedBy: z.object({ inflight: z.number().int().nonnegative(), late: z.number().int().nonnegative() }).optional(),
    timeouts: z.number().int().nonnegative(),
    errors: z.record(z.string(), z.number().int().nonnegative()),
    latencyCorrected: LatencySummary,
    latencyRaw: LatencySummary,
  }),
  providers: z.record(z.string(), ProviderStats),
  /**
   * What the run set out to verify and could not read (a provider's ledger or delivery feed): each
   * fails its check and makes the run INVALID. Optional: older results lack it.
   */
  unverified: z.array(z.object({ subject: z.string(), reason: z.string() })).optional(),
  campaigns: z.array(CampaignStats),
  /** HTTP phases whose messages were tracked to delivery (`track:`). Optional: only such runs carry it. */
  phases: z.array(PhaseDeliveryStats).optional(),
  sweeps: z.array(SweepStats),
  /** Capacity searches (`search` steps). Optional: older results lack it. */
  searches: z.array(SearchStats).optional(),
  /** Transactional phases measured alone and during campaigns. Optional: older results lack it. */
  isolation: z.array(IsolationStats).optional(),
  /** Faults injected into the system under test (`fault` steps). Optional: older results lack it. */
  faults: z.array(FaultStats).optional(),
  series: z.array(Series),
  generator: z.object({
    eventLoopLagP99: z.number().nullable(),
    cpuPercentMax: z.number().nullable(),
    scheduleLagP99: z.number().nullable(),
  }),
  thresholds: z.array(ThresholdOutcome),
  verdict: z.object({
    status: z.enum(['pass', 'fail', 'invalid']),
    exitCode: z.number().int(),
    reasons: z.array(z.string()),
  }),
});
export type Result = z.infer<typeof Result>;

/**
 * The verdict a result carries before the gate has judged it (`src/gate` decides, in one place:
 * `stampVerdict`). Producers (the runner, `import k6`) build their result with it and hand it to
 * the gate; it is never written to a file.
 */
export const PENDING_VERDICT: Result['verdict'] = Object.freeze({ status: 'invalid', exitCode: 3, reasons: ['not judged yet'] });

/** A `projected.*` threshold judged at one projected size (`floodgate project`; the gate judges, the planner carries it). */
export interface ProjectedOutcome {
  metric: string;
  expression: string;
  label: string;
  recipients: number;
  actual: number | null;
  ok: boolean;
  message: string;
}
