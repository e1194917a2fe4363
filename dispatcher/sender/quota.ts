import type { SendQuotaConfig } from '../kinds/quota-field.ts';

/** What the quota says about one account now (GET /v1/providers, GET /v1/campaigns/:id, /metrics). */
export interface QuotaStatus {
  /** The configured quota; null when the account states none (a pause then comes from the provider's answer). */
  limit: number | null;
  windowMs: number;
  /** Units counted within the window (sent, or in requests awaiting an answer). */
  used: number;
  /** True while the sender waits for the window to free units. */
  paused: boolean;
  /** Why: the dispatcher's own count reached the limit, or the provider answered its quota error. */
  reason: 'counted' | 'provider' | null;
  /** Epoch ms when sending may resume (the earliest units leave the window), or null when not paused. */
  resumesAt: number | null;
}

/** The per-account quota guard of {@link createSendQuota}. */
export interface SendQuota {
  /** Milliseconds until `units` fit the quota (0: now). */
  delay(units: number, now: number): number;
  /** Units that fit now (0 while paused). */
  room(now: number): number;
  /** Reserves `units` about to be sent (counted while in flight, so concurrent requests never overshoot). */
  take(units: number): void;
  /**
   * The answer to `taken` reserved units came at `now`: `admitted` of them count until the window has
   * passed since `now`, the rest (throttled, never sent) leave the count at once.
   */
  settle(taken: number, admitted: number, now: number): void;
  /** The provider said the quota is used up (SES "Daily message quota exceeded."): wait for the window. */
  exhausted(now: number): void;
  status(now: number): QuotaStatus;
}

/** Entries are kept in this many slots a window, so memory is fixed whatever the quota. */
const SLOTS = 1440;

/**
 * A rolling-window send quota, counted by the dispatcher: at most `limit` units within any
 * `windowMs` at the provider. A unit counts from before its request leaves; as its arrival at the
 * provider lies between the send and the answer, it leaves the count one window after its ANSWER
 * (as the rate guard in limiter.ts reasons), rounded up to the end of a slot of windowMs / 1440
 * (1 min for 24 h) so memory is fixed: the guard may resume up to a slot plus a latency later than
 * the provider would, never earlier (the SES mock's own counter frees a unit up to a slot early). When the provider answers its quota error although
 * the count has room (another process sent on the account, or a restart forgot the count), the
 * guard treats the quota as used up and probes with one request a slot until the provider admits
 * again: paused, not hammering.
 */
export function createSendQuota(config: SendQuotaConfig): SendQuota {
  const slotMs = Math.max(1, config.windowMs / SLOTS);
  // Ascending by leave time; at most SLOTS + 1 entries (one a slot).
  const entries: { leaves: number; units: number }[] = [];
  let head = 0;
  /** Units in the window plus those in requests not yet answered. */
  let used = 0;
  let inFlight = 0;
  let blockedUntil = 0;
  // After a provider quota answer: one request at a time until one is admitted again.
  let probing = false;
  const expire = (now: number) => {
    while (head < entries.length && (entries[head] as { leaves: number }).leaves <= now) {
      used -= (entries[head] as { units: number }).units;
      head++;
    }
    if (head > 64 && head * 2 > entries.length) {
      entries.splice(0, head);
      head = 0;
    }
  };
  const leaveTime = (at: number) => (Math.floor(at / slotMs) + 1) * slotMs + config.windowMs;
  /** When `units` more would fit: the time enough earlier units have left. */
  const fitsAt = (units: number, now: number): number => {
    let excess = used + units - config.limit;
    if (excess <= 0) return now;
    for (let i = head; i < entries.length; i++) {
      const e = entries[i] as { leaves: number; units: number };
      excess -= e.units;
      if (excess <= 0) return e.leaves;
    }
    // More than the whole quota in one request: never fits; check again a slot later.
    return now + slotMs;
  };
  return {
    delay(units, now) {
      expire(now);
      // Probing with a request out: wait for its answer (the sender is woken by it).
      if (probing && inFlight > 0) return Number.POSITIVE_INFINITY;
      return Math.max(0, blockedUntil - now, fitsAt(units, now) - now);
    },
    room(now) {
      expire(now);
      if (blockedUntil > now || (probing && inFlight > 0)) return 0;
      return probing ? 1 : Math.max(0, config.limit - used);
    },
    take(units) {
      inFlight += units;
      used += units;
    },
    settle(taken, admitted, now) {
      // Units reserved before this guard existed (it appears at a provider's first quota answer) were never taken.
      const reserved = Math.min(taken, inFlight);
      inFlight -= reserved;
      used += admitted - reserved;
      if (admitted <= 0) return;
      probing = false;
      const leaves = leaveTime(now);
      const last = entries[entries.length - 1];
      if (last && entries.length > head && last.leaves === leaves) last.units += admitted;
      else entries.push({ leaves, units: admitted });
    },
    exhausted(now) {
      expire(now);
      // The earliest our own count frees a unit, but at least a slot: one probe a slot, not a storm.
      const own = head < entries.length ? (entries[head] as { leaves: number }).leaves : now + slotMs;
      blockedUntil = Math.max(blockedUntil, Math.max(own, now + slotMs));
      probing = true;
    },
    status(now) {
      expire(now);
      const counted = used >= config.limit;
      const provider = blockedUntil > now || (probing && inFlight > 0);
      const paused = counted || provider;
      const resumesAt = paused ? Math.max(now, provider ? blockedUntil : 0, counted ? fitsAt(1, now) : 0) : null;
      return {
        limit: Number.isFinite(config.limit) ? config.limit : null,
        windowMs: config.windowMs,
        used,
        paused,
        reason: provider ? 'provider' : counted ? 'counted' : null,
        resumesAt,
      };
    },
  };
}
