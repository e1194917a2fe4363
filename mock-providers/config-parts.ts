import { z } from 'zod';
import { count, durationMs, ratePerSecond, share } from '../src/core/index.ts';

/**
 * The pieces every provider kind's mock config is built from (`kinds/<kind>.ts`). Parsing is
 * idempotent (parse(parse(x)) equals parse(x)): durations also accept a bare number, read as
 * milliseconds, so a parsed config can be merged with a partial one and parsed again when it is
 * changed at run time (`PUT /__mock/<name>/config`).
 */

/** A duration: `40ms`, `1.5s`, or a number of milliseconds. */
export const ms = () => z.union([z.number().nonnegative(), durationMs()]);

/** Every default shared by all kinds, in one place; each kind keeps its own in `kinds/<kind>.ts`. */
export const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  seed: 'floodgate',
  bodyLimit: 4 * 1024 * 1024,
  journal: 10_000,
  dedupeWindow: 600_000,
  idempotencyWindow: 600_000,
  latency: { fixed: 0 },
  fault: { status: 503, probability: 1 },
  callbacks: {
    url: null,
    delay: { fixed: 100 },
    maxAttempts: 5,
    backoff: 500,
    timeout: 5_000,
    failureRate: 0,
    failureCode: '3018',
    duplicateRate: 0,
    reorderRate: 0,
    concurrency: 64,
    keep: 100_000,
  },
} as const;

/** Response time of a provider: fixed, uniform, or lognormal from its median and p99. */
export const LatencySpec = z.union([
  z.object({ fixed: ms() }).strict(),
  z.object({ min: ms(), max: ms() }).strict(),
  z.object({ median: ms(), p99: ms() }).strict(),
]);
export type LatencySpec = z.output<typeof LatencySpec>;

/** Refuses a pattern `new RegExp` would throw on, with the engine's reason (e.g. "Unterminated group"). */
function checkRegex(pattern: string, ctx: z.RefinementCtx): void {
  try {
    new RegExp(pattern);
  } catch (error) {
    const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${reason})`, input: pattern });
  }
}

/**
 * A fault: when it applies (all given conditions must hold; none given = always) and what
 * happens. `status` answers that HTTP status with the provider's own error body; `reset`
 * drops the connection; `hang` never answers; `unreported` accepts but never reports.
 */
export const FaultSpec = z
  .object({
    action: z.enum(['status', 'reset', 'hang', 'unreported']),
    status: z.number().int().min(400).max(599).default(DEFAULTS.fault.status),
    probability: share().default(DEFAULTS.fault.probability),
    /** Offsets from the start (listen or reset) between which the fault applies. */
    from: ms().optional(),
    until: ms().optional(),
    /** A regular expression a recipient must match (any recipient of a request); checked here, so a bad one is a 400 / exit 4. */
    recipient: z.string().superRefine(checkRegex).optional(),
  })
  .strict();
export type FaultSpec = z.output<typeof FaultSpec>;

/** Delivery reports: where, after how long, how retried, and deliberate misbehaviour for tests. */
export const CallbacksSpec = z
  .object({
    url: z.string().url().nullable().default(DEFAULTS.callbacks.url),
    delay: LatencySpec.default(DEFAULTS.callbacks.delay),
    maxAttempts: z.number().int().min(1).default(DEFAULTS.callbacks.maxAttempts),
    /** First retry after this long, doubling each attempt (with jitter). */
    backoff: ms().default(DEFAULTS.callbacks.backoff),
    timeout: ms().default(DEFAULTS.callbacks.timeout),
    /** Share of reports that say the message failed (`failureCode`); those are not delivered. */
    failureRate: share().default(DEFAULTS.callbacks.failureRate),
    failureCode: z.string().default(DEFAULTS.callbacks.failureCode),
    /** Share of reports sent twice, and share held back so later ones overtake them. */
    duplicateRate: share().default(DEFAULTS.callbacks.duplicateRate),
    reorderRate: share().default(DEFAULTS.callbacks.reorderRate),
    concurrency: z.number().int().min(1).default(DEFAULTS.callbacks.concurrency),
    /** How many attempts to keep for `/__mock/<name>/callbacks`. */
    keep: count().default(DEFAULTS.callbacks.keep),
  })
  .strict();
export type CallbacksSpec = z.output<typeof CallbacksSpec>;

/** Keys every kind takes. */
export const common = {
  latency: LatencySpec.default(DEFAULTS.latency),
  faults: z.array(FaultSpec).default([]),
  dedupe: z.boolean().default(false),
  dedupeWindow: ms().default(DEFAULTS.dedupeWindow),
  journal: count().default(DEFAULTS.journal),
};

/** Limit in the provider's unit, per second (`600000/min` is fine); null = unlimited. */
export const tps = (fallback: number) => z.union([z.null(), ratePerSecond()]).default(fallback);
