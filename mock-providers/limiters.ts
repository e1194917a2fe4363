/**
 * Rate limiters in each provider's own shape. Pure: every method takes the time in
 * milliseconds, so tests drive them with plain numbers and no clock. `check` looks without
 * taking; `take` commits; {@link acquire} does both, so limiters compose (SES = bucket + quota).
 */

/** What a limiter says about a request of `units`. */
export interface LimitDecision {
  admitted: boolean;
  /** Which limit refused (for providers whose message differs, e.g. SES quota vs rate). */
  reason: 'rate' | 'quota' | null;
  /** How long until a request of this size could pass (0 when admitted). */
  retryAfterMs: number;
  /** Units allowed per window (for `X-RateLimit-Limit`). */
  limit: number;
  /** Units left in the current window after this request. */
  remaining: number;
  /** When the current window ends, epoch ms (for `X-RateLimit-Reset`). */
  resetAtMs: number;
}

/** A limiter: pure state over time. */
export interface Limiter {
  check(units: number, now: number): LimitDecision;
  take(units: number, now: number): void;
}

/** Checks and, when admitted, takes. */
export function acquire(limiter: Limiter, units: number, now: number): LimitDecision {
  const decision = limiter.check(units, now);
  if (decision.admitted) limiter.take(units, now);
  return decision;
}

function decision(admitted: boolean, retryAfterMs: number, limit: number, remaining: number, resetAtMs: number): LimitDecision {
  return {
    admitted,
    reason: admitted ? null : 'rate',
    retryAfterMs: admitted ? 0 : Math.max(0, retryAfterMs),
    limit,
    remaining,
    resetAtMs,
  };
}

/**
 * A fixed window of `windowMs` holding at most `limit` units. `anchor: 'epoch'` aligns
 * windows to multiples of `windowMs` since the epoch (SendGrid, the Alimtalk broker's
 * 1 s window); `anchor: 'first'` opens a window at the first unit after the previous one
 * closed (FCM's per-minute quota, documented as not clock-aligned).
 */
export class FixedWindowLimiter implements Limiter {
  private start = Number.NEGATIVE_INFINITY;
  private used = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly anchor: 'epoch' | 'first',
  ) {}

  private roll(now: number): void {
    if (now < this.start + this.windowMs) return;
    this.start = this.anchor === 'epoch' ? Math.floor(now / this.windowMs) * this.windowMs : now;
    this.used = 0;
  }

  check(units: number, now: number): LimitDecision {
    this.roll(now);
    const ok = this.used + units <= this.limit;
    const end = this.start + this.windowMs;
    return decision(ok, end - now, this.limit, Math.max(0, this.limit - this.used - (ok ? units : 0)), end);
  }

  take(units: number, now: number): void {
    this.roll(now);
    this.used += units;
  }
}

/**
 * A token bucket refilled at `ratePerSec` up to `capacity`. With `debt` (SES), a request
 * passes while at least one token is left and may drive the bucket negative, so a
 * 5-recipient mail at 1/s passes and the next 5 s are throttled: tokens go 1 -> -4 and need
 * 5 s to climb back to 1. Without debt (the broker's `bucket`), the request's units must be
 * in the bucket.
 */
export class TokenBucketLimiter implements Limiter {
  private tokens: number;
  private at = Number.NEGATIVE_INFINITY;

  constructor(
    readonly ratePerSec: number,
    readonly capacity: number,
    readonly debt: boolean,
  ) {
    this.tokens = capacity;
  }

  private refill(now: number): void {
    if (this.at !== Number.NEGATIVE_INFINITY && now > this.at) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) * this.ratePerSec) / 1000);
    }
    if (now > this.at) this.at = now;
  }

  check(units: number, now: number): LimitDecision {
    this.refill(now);
    // With debt one token suffices (or a full bucket when capacity < 1).
    const need = this.debt ? Math.min(1, this.capacity) : units;
    // Small epsilon: refill arithmetic in floating point must not refuse an exact boundary.
    const ok = this.tokens + 1e-9 >= need;
    const wait = ((need - this.tokens) / this.ratePerSec) * 1000;
    const remaining = Math.max(0, Math.floor(this.tokens - (ok ? units : 0)));
    return decision(ok, wait, Math.round(this.capacity), remaining, now + Math.max(0, wait));
  }

  take(units: number, now: number): void {
    this.refill(now);
    this.tokens -= units;
  }
}

/**
 * A sliding log: at most `limit` units in any `windowMs` ending now. Exact, and memory is
 * bounded by the number of admitted requests in one window.
 */
export class SlidingLogLimiter implements Limiter {
  private times: number[] = [];
  private units: number[] = [];
  private head = 0;
  private sum = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  private evict(now: number): void {
    while (this.head < this.times.length && (this.times[this.head] as number) <= now - this.windowMs) {
      this.sum -= this.units[this.head] as number;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.units = this.units.slice(this.head);
      this.head = 0;
    }
  }

  check(units: number, now: number): LimitDecision {
    this.evict(now);
    const ok = this.sum + units <= this.limit;
    // The earliest time enough old units have left the window for this request to fit.
    let wait = 0;
    if (!ok) {
      let excess = this.sum + units - this.limit;
      for (let i = this.head; i < this.times.length && excess > 0; i++) {
        excess -= this.units[i] as number;
        wait = (this.times[i] as number) + this.windowMs - now;
      }
      if (excess > 0) wait = this.windowMs;
    }
    const oldest = this.head < this.times.length ? (this.times[this.head] as number) : now;
    return decision(ok, wait, this.limit, Math.max(0, this.limit - this.sum - (ok ? units : 0)), oldest + this.windowMs);
  }

  take(units: number, now: number): void {
    this.evict(now);
    this.times.push(now);
    this.units.push(units);
    this.sum += units;
  }
}

/**
 * A rolling quota (SES's 24 h sending quota): at most `limit` units in the last `windowMs`,
 * counted in `buckets` slots so memory is fixed; a unit leaves the quota up to one slot
 * (24 h / 1440 = 1 min) late, erring on the strict side as a provider would.
 */
export class RollingQuota implements Limiter {
  private readonly slots: Float64Array;
  private readonly slotMs: number;
  private cursor = Number.NEGATIVE_INFINITY;
  private sum = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    buckets = 1440,
  ) {
    this.slots = new Float64Array(buckets);
    this.slotMs = windowMs / buckets;
  }

  private advance(now: number): void {
    const slot = Math.floor(now / this.slotMs);
    if (this.cursor === Number.NEGATIVE_INFINITY || slot - this.cursor >= this.slots.length) {
      this.slots.fill(0);
      this.sum = 0;
      this.cursor = slot;
      return;
    }
    while (this.cursor < slot) {
      this.cursor++;
      const i = this.cursor % this.slots.length;
      this.sum -= this.slots[i] as number;
      this.slots[i] = 0;
    }
  }

  check(units: number, now: number): LimitDecision {
    this.advance(now);
    const ok = this.sum + units <= this.limit;
    const result = decision(ok, this.slotMs, this.limit, Math.max(0, this.limit - this.sum - (ok ? units : 0)), now + this.windowMs);
    if (!ok) result.reason = 'quota';
    return result;
  }

  /** Units taken within the rolling window ending at `now` (SES's `SentLast24Hours`). */
  used(now: number): number {
    this.advance(now);
    return this.sum;
  }

  take(units: number, now: number): void {
    this.advance(now);
    this.slots[this.cursor % this.slots.length] = (this.slots[this.cursor % this.slots.length] as number) + units;
    this.sum += units;
  }
}

/** Every limiter must admit; the first refusal is the answer. Quota is checked before rate. */
export class AllOfLimiter implements Limiter {
  constructor(readonly parts: readonly Limiter[]) {}

  check(units: number, now: number): LimitDecision {
    let last: LimitDecision | null = null;
    for (const part of this.parts) {
      last = part.check(units, now);
      if (!last.admitted) return last;
    }
    return last ?? decision(true, 0, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, now);
  }

  take(units: number, now: number): void {
    for (const part of this.parts) part.take(units, now);
  }
}

/** No limit at all (`tps: null`). */
export class UnlimitedLimiter implements Limiter {
  check(_units: number, now: number): LimitDecision {
    return decision(true, 0, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, now + 1000);
  }
  take(): void {}
}
