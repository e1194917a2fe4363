import type { LatenessStats } from '../core/index.ts';
import { type DueSchedule, dueAt } from './due.ts';

/** Most buckets the lateness-over-due-time chart carries, whatever the campaign's size. */
export const MAX_LATENESS_BUCKETS = 100;

/** What lateness needs of a campaign's tracking: per recipient, deliveries and the first one's time. */
export interface FirstDeliveries {
  readonly count: number;
  readonly counts: ArrayLike<number>;
  readonly firstAt: ArrayLike<number>;
}

/**
 * Lateness of every reached recipient (first delivery minus due time), computed once at the end:
 * due(i) comes from i, never stored, and one transient Float64Array of the reached recipients'
 * lateness (8 bytes each) is all the extra memory. Because due(i) never decreases with i, each
 * due-time bucket is a contiguous slice of that array, sorted in place for its percentiles.
 * `t0` is the start request's epoch ms (bucket and due times are reported from it).
 */
export function computeLateness(track: FirstDeliveries, schedule: DueSchedule, tolerance: number, t0: number): LatenessStats {
  const n = track.count;
  const firstDue = n > 0 ? dueAt(schedule, 0) : schedule.atMs;
  const lastDue = n > 0 ? dueAt(schedule, n - 1) : schedule.atMs;
  // Buckets of whole ms over [firstDue, lastDue]; one bucket when all are due at one instant.
  const width = Math.max(1, Math.ceil((lastDue - firstDue + 1) / MAX_LATENESS_BUCKETS));
  const late = new Float64Array(n);
  const starts: number[] = [];
  const keys: number[] = [];
  const dues: number[] = [];
  let reached = 0;
  let early = 0;
  for (let i = 0; i < n; i++) {
    if ((track.counts[i] as number) === 0) continue;
    const due = dueAt(schedule, i);
    const key = Math.floor((due - firstDue) / width);
    if (keys[keys.length - 1] !== key) {
      keys.push(key);
      dues.push(due);
      starts.push(reached);
    }
    const l = (track.firstAt[i] as number) - due;
    if (l < -tolerance) early++;
    late[reached++] = l;
  }
  const values = late.subarray(0, reached);
  const buckets = keys.map((_, b) => {
    const slice = values.subarray(starts[b] as number, b + 1 < starts.length ? (starts[b + 1] as number) : reached).sort();
    let e = 0;
    for (const l of slice) if (l < -tolerance) e++;
    return {
      due: round((dues[b] as number) - t0),
      reached: slice.length,
      min: round(slice[0] as number),
      p50: round(percentile(slice, 0.5) as number),
      p99: round(percentile(slice, 0.99) as number),
      max: round(slice[slice.length - 1] as number),
      early: e,
    };
  });
  values.sort();
  const figure = (q: number) => {
    const v = percentile(values, q);
    return v === null ? null : round(v);
  };
  return {
    p50: figure(0.5),
    p95: figure(0.95),
    p99: figure(0.99),
    max: reached > 0 ? round(values[reached - 1] as number) : null,
    early,
    tolerance,
    reached,
    firstDue: round(firstDue - t0),
    lastDue: round(lastDue - t0),
    buckets,
  };
}

/** Nearest-rank percentile of ascending values (the smallest value at or above share q of them); null when empty. */
export function percentile(sorted: ArrayLike<number>, q: number): number | null {
  if (sorted.length === 0) return null;
  const k = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[k - 1] as number;
}

// Microsecond precision is more than the feeds' timestamps carry; it keeps result.json short.
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
