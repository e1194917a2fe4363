/**
 * Due times of a scheduled campaign (issue 14, docs/architecture.md "Scheduled sends"): when each
 * recipient falls due, with exactly the reference dispatcher's formulas, so floodgate and any
 * dispatcher that follows the same `schedule` agree on every recipient's due time to the ms.
 */

/** A campaign step's `due:` as validated (times in ms, relative to the start request). */
export interface DueSpec {
  /** When the first recipient is due, ms after the start request. */
  at: number;
  /** Recipients spread evenly over this window, ms. */
  spread?: number;
  /** A batch of `batch` recipients falls due every `every` ms. */
  every?: number;
  batch?: number;
  /** How far before its due time a delivery may be recorded and still not count as early, ms. */
  tolerance: number;
}

/** The schedule as sent to the dispatcher: absolute epoch ms and one of the two patterns. */
export interface DueSchedule {
  /** Epoch ms (whole) when recipient 0 is due. */
  atMs: number;
  count: number;
  spreadMs?: number;
  everyMs?: number;
  batch?: number;
}

/** The absolute schedule of a campaign of `count` recipients whose start request was sent at `t0` (epoch ms). */
export function dueSchedule(spec: DueSpec, t0: number, count: number): DueSchedule {
  // Whole ms: the dispatcher gets an integer and floodgate judges against the very same number.
  const atMs = Math.round(t0 + spec.at);
  if (spec.every !== undefined && spec.batch !== undefined) return { atMs, count, everyMs: spec.every, batch: spec.batch };
  return { atMs, count, spreadMs: spec.spread ?? 0 };
}

/** Offset of recipient `i`'s due time from recipient 0's, ms: `floor(i * spread / count)` or `floor(i / batch) * every`. */
export function dueOffset(s: Omit<DueSchedule, 'atMs'>, i: number): number {
  if (s.everyMs !== undefined && s.batch !== undefined) return Math.floor(i / s.batch) * s.everyMs;
  return s.count > 0 ? Math.floor((i * (s.spreadMs ?? 0)) / s.count) : 0;
}

/** Recipient `i`'s due time, epoch ms. Non-decreasing in `i`. */
export function dueAt(s: DueSchedule, i: number): number {
  return s.atMs + dueOffset(s, i);
}

/** The last recipient's due time relative to the start request, ms (for the tracking window and the planned length). */
export function lastDueOffset(spec: DueSpec, count: number): number {
  const s =
    spec.every !== undefined && spec.batch !== undefined
      ? { count, everyMs: spec.every, batch: spec.batch }
      : { count, spreadMs: spec.spread ?? 0 };
  return spec.at + dueOffset(s, Math.max(0, count - 1));
}

/** The reference dispatcher's `schedule` object (`POST /v1/campaigns`). */
export function scheduleBody(s: DueSchedule): Record<string, number> {
  if (s.everyMs !== undefined && s.batch !== undefined) return { at: s.atMs, everyMs: s.everyMs, batch: s.batch };
  return { at: s.atMs, spreadMs: s.spreadMs ?? 0 };
}

/** The template variable names a campaign with this `due:` offers its own `start` request. */
export function dueVarNames(spec: DueSpec): string[] {
  return spec.every !== undefined ? ['dueAt', 'dueAtMs', 'dueEveryMs', 'dueBatch'] : ['dueAt', 'dueAtMs', 'dueSpreadMs'];
}

/**
 * `{{dueAt}}` (RFC 3339, ms, Z), `{{dueAtMs}}`, and `{{dueSpreadMs}}` (0 for one instant) or
 * `{{dueEveryMs}}` + `{{dueBatch}}`: only the pattern's own fields, so a start request that asks
 * for the other's is refused before the run instead of sending a made-up value.
 */
export function dueVars(s: DueSchedule): Record<string, unknown> {
  const base = { dueAt: new Date(s.atMs).toISOString(), dueAtMs: s.atMs };
  if (s.everyMs !== undefined && s.batch !== undefined) return { ...base, dueEveryMs: s.everyMs, dueBatch: s.batch };
  return { ...base, dueSpreadMs: s.spreadMs ?? 0 };
}
