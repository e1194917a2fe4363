import type { IngestRow } from '../store/outbox.ts';
import { IngestError } from './ingest-error.ts';

/**
 * When a campaign's recipients fall due. Recipient i (0-based, in list or generator order) of
 * `count` is due at `at`, or `at + floor(i * spreadMs / count)` (evenly over a window), or
 * `at + floor(i / batch) * everyMs` (a batch every interval, as a cron would fire). floodgate
 * computes lateness with exactly these formulas, so they are part of the API.
 */
export interface Schedule {
  /** Epoch ms. */
  at: number;
  spreadMs?: number | undefined;
  everyMs?: number | undefined;
  batch?: number | undefined;
}

/** RFC 3339 with an explicit offset (`Z` or `+09:00`): a time without one is ambiguous. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** Latest accepted due time: year 9999, so a typo in seconds-vs-ms is caught rather than stored. */
const MAX_EPOCH_MS = 253_402_300_799_999;
/** Earliest accepted epoch ms (2001-09-09): a seconds value (10 digits) is refused as an obvious unit slip. */
const MIN_EPOCH_MS = 1_000_000_000_000;

/**
 * A due time as epoch ms, from an RFC 3339 string with offset or epoch milliseconds; throws an
 * {@link IngestError} naming `where` otherwise.
 */
export function parseDueTime(value: unknown, where: string): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < MIN_EPOCH_MS || value > MAX_EPOCH_MS) {
      throw new IngestError(
        `${where}: epoch milliseconds between ${MIN_EPOCH_MS} and ${MAX_EPOCH_MS} (a seconds value is 1,000 times too small)`,
      );
    }
    return value;
  }
  if (typeof value === 'string' && RFC3339.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  const shown = typeof value === 'string' ? `"${value.slice(0, 40)}"` : typeof value;
  throw new IngestError(`${where}: an RFC 3339 time with an offset (e.g. 2026-11-30T18:00:00Z) or epoch milliseconds, not ${shown}`);
}

/** Checks the `schedule` object of a campaign request; `count` is needed by `spreadMs`. */
export function parseSchedule(value: unknown, count: number | undefined): Schedule {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new IngestError('schedule: an object with `at`');
  const { at, spreadMs, everyMs, batch, ...extra } = value as Record<string, unknown>;
  const unknown = Object.keys(extra)[0];
  if (unknown !== undefined) throw new IngestError(`schedule: unknown field \`${unknown}\` (fields: at, spreadMs, everyMs, batch)`);
  const schedule: Schedule = { at: parseDueTime(at, 'schedule.at') };
  const int = (v: unknown, name: string, min: number) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new IngestError(`schedule.${name}: an integer >= ${min}`);
    return v;
  };
  if (spreadMs !== undefined) {
    if (everyMs !== undefined || batch !== undefined)
      throw new IngestError('schedule: give `spreadMs`, or `everyMs` with `batch`, not both');
    if (count === undefined) {
      throw new IngestError(
        'schedule.spreadMs: needs the recipient count up front; for a streamed list use `everyMs`/`batch` or a due time per recipient',
      );
    }
    schedule.spreadMs = int(spreadMs, 'spreadMs', 0);
  }
  if ((everyMs === undefined) !== (batch === undefined)) throw new IngestError('schedule: `everyMs` and `batch` go together');
  if (everyMs !== undefined) {
    schedule.everyMs = int(everyMs, 'everyMs', 1);
    schedule.batch = int(batch, 'batch', 1);
  }
  return schedule;
}

/** Recipient i's due time (epoch ms) under `schedule` for a campaign of `count`. */
export function dueTimeOf(schedule: Schedule, i: number, count: number): number {
  if (schedule.spreadMs !== undefined) return schedule.at + Math.floor((i * schedule.spreadMs) / count);
  if (schedule.everyMs !== undefined && schedule.batch !== undefined)
    return schedule.at + Math.floor(i / schedule.batch) * schedule.everyMs;
  return schedule.at;
}

/** Gives each row its due time from `schedule`, unless the row carries its own. */
export async function* scheduled(
  rows: Iterable<IngestRow> | AsyncIterable<IngestRow>,
  schedule: Schedule,
  count: number,
): AsyncGenerator<IngestRow> {
  let i = 0;
  for await (const row of rows) {
    yield row.dueAt === undefined ? { ...row, dueAt: dueTimeOf(schedule, i, count) } : row;
    i++;
  }
}
