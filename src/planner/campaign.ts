/**
 * Campaign arithmetic: N messages that must leave within a window, through a provider that
 * admits at most R per second, sent by K workers that each wait L per call. Rates are per
 * second, durations milliseconds.
 */

/** N in a window -> the rate that must be sustained: rate = N / window (story 2: 1M / 30 min = 555.6/s). */
export function requiredRate(messages: number, windowMs: number): number {
  if (windowMs <= 0) throw new RangeError('the window must be > 0');
  return messages / (windowMs / 1000);
}

/**
 * Expected sends per message when a fraction p of attempts fails and is retried until it
 * succeeds: attempts are geometric with success 1 - p, so E[attempts] = 1 / (1 - p).
 */
export function retryInflation(failureRate: number): number {
  if (failureRate < 0 || failureRate >= 1) throw new RangeError('the failure rate must be in [0, 1)');
  return 1 / (1 - failureRate);
}

/** What bounds a sender's throughput. */
export interface SenderLimits {
  /** Provider admission limit R, per second (null: none). */
  providerLimit: number | null;
  /** A self-imposed send rate below the provider's (story 3 chose 90/s for its callback server). */
  throttle?: number | null;
  /** K concurrent workers (threads, consumers). */
  workers?: number | null;
  /** L: time each send holds a worker, ms. */
  latencyMs?: number | null;
}

/** A sender's throughput and the limit that binds it. */
export interface Throughput {
  perSecond: number;
  limitedBy: 'provider' | 'throttle' | 'workers' | 'none';
}

/**
 * Throughput = min(R, throttle, K / L): a worker that holds each send for L seconds completes
 * 1/L sends a second (Little's law with K in service), and the provider admits at most R.
 */
export function senderThroughput(limits: SenderLimits): Throughput {
  const candidates: Throughput[] = [];
  if (limits.providerLimit != null) candidates.push({ perSecond: limits.providerLimit, limitedBy: 'provider' });
  if (limits.throttle != null) candidates.push({ perSecond: limits.throttle, limitedBy: 'throttle' });
  if (limits.workers != null && limits.latencyMs != null && limits.latencyMs > 0) {
    candidates.push({ perSecond: limits.workers / (limits.latencyMs / 1000), limitedBy: 'workers' });
  }
  if (candidates.length === 0) return { perSecond: Number.POSITIVE_INFINITY, limitedBy: 'none' };
  return candidates.reduce((best, c) => (c.perSecond < best.perSecond ? c : best));
}

/** Drain time of N sends at a throughput: T = N / X, in ms (story 3: 420,000 / 200/s = 35 min). */
export function drainTimeMs(sends: number, perSecond: number): number {
  if (perSecond <= 0) return Number.POSITIVE_INFINITY;
  return (sends / perSecond) * 1000;
}

/**
 * Workers needed to keep a limit R busy when each send takes L: by Little's law the sends in
 * flight are R x L, so K = ceil(R x L) (200/s x 40 ms = 8 workers).
 */
export function workersToSaturate(rate: number, latencyMs: number): number {
  return Math.ceil(rate * (latencyMs / 1000) - 1e-9);
}

/** Lateness percentiles (ms) of recipients due at once or spread evenly, sent at exactly a rate. */
export interface QuotaBoundLateness {
  /** The rate the sender keeps, per second. */
  rate: number;
  /** The rate that keeps every recipient on time: N / spread (infinite when all are due at once). */
  onTimeRate: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * The least lateness N recipients due over `spreadMs` (0: all at one instant) can have when they
 * leave at exactly `rate` a second, in order: recipient i (of N) is due at i x spread / N and leaves
 * at i / rate, so its lateness is i x max(0, 1 / rate - spread / N) and the q-quantile is
 * q x max(0, N / rate - spread). Story 4: 1,000,000 due at once at FCM's 600,000/min (10,000/s):
 * p50 50 s, p99 99 s, the last 100 s late. A dispatcher within 10% of this keeps the quota busy.
 */
export function quotaBoundLateness(messages: number, rate: number, spreadMs: number): QuotaBoundLateness {
  if (rate <= 0 || !Number.isFinite(rate)) throw new RangeError('the rate must be a finite number > 0');
  const tail = Math.max(0, (messages / rate) * 1000 - spreadMs);
  const at = (q: number) => q * tail;
  return {
    rate,
    onTimeRate: spreadMs > 0 ? messages / (spreadMs / 1000) : Number.POSITIVE_INFINITY,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: tail,
  };
}

/** How many of N leave by a deadline at a throughput: min(N, X x deadline). */
export function deliverableBy(messages: number, perSecond: number, deadlineMs: number): number {
  return Math.min(messages, Math.floor(perSecond * (deadlineMs / 1000) + 1e-9));
}

/**
 * Points of the drain curve (sent over time) for charts: a straight line at the throughput
 * until all N are sent. `steps` points plus the end.
 */
export function drainCurve(sends: number, perSecond: number, steps = 20): { tMs: number; sent: number }[] {
  const total = drainTimeMs(sends, perSecond);
  if (!Number.isFinite(total)) return [{ tMs: 0, sent: 0 }];
  return Array.from({ length: steps + 1 }, (_, i) => ({ tMs: (total * i) / steps, sent: (sends * i) / steps }));
}
