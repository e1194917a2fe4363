import type { Db } from './db.ts';
import { parseClientKey } from './db.ts';

/** A delivery report as the Alimtalk broker posts it (wire contract, "Delivery reports"). */
export interface DeliveryReport {
  messageId: string;
  recipientNo?: string | undefined;
  clientKey?: string | null | undefined;
  resultCode: string;
  reportTime: string;
}

/** ISO-8601 / RFC 3339 with a zone: `2026-11-30T10:00:00Z`, `...00.500Z`, `...18:00:00+09:00`. */
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/i;

/**
 * A report time as an instant (epoch ms), or undefined when it is not a valid ISO-8601 time with
 * a zone. Date.parse alone is lenient (it takes Feb 31 and zone-less local times), so the form
 * and each field's range are checked first.
 */
export function reportInstant(text: string): number | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second, zoneHour = 0, zoneMinute = 0] = m.slice(1).map((x) => Number(x ?? 0));
  const days = new Date(Date.UTC(year as number, month as number, 0)).getUTCDate();
  const inRange =
    (month as number) >= 1 &&
    (month as number) <= 12 &&
    (day as number) >= 1 &&
    (day as number) <= days &&
    (hour as number) <= 23 &&
    (minute as number) <= 59 &&
    (second as number) <= 59 &&
    zoneHour <= 23 &&
    zoneMinute <= 59;
  const ms = Date.parse(text);
  return inRange && Number.isFinite(ms) ? ms : undefined;
}

/**
 * What storing a report did: `stored` (new, applied to its row), `duplicate` (seen before, or
 * older than what the row holds), `orphan` (no client key and the message id is not written yet:
 * kept and applied when the send outcome lands), `unknown` (a client key that is not ours: not stored).
 */
export type ReportResult = 'stored' | 'duplicate' | 'orphan' | 'unknown';

/**
 * Creates the report store. Idempotent by (provider, client key or message id); the newest
 * `reportTime` wins, so reports may repeat and arrive in any order, also before the send is
 * recorded (the row exists from ingest; client keys decode to its id without a lookup).
 * Times are compared as instants: each is stored as its UTC ISO form with milliseconds
 * (`2026-11-30T09:00:00.000Z`), a fixed-width text whose order is the order in time, so
 * `18:00+09:00` is older than `10:00Z` and `10:00:00.500Z` is newer than `10:00:00Z`.
 */
export function createReportStore(db: Db) {
  const { sql } = db;
  const upsert = sql.prepare(
    `INSERT INTO reports(provider, dedupe_key, message_id, recipient_id, result_code, report_time, received_at)
     VALUES (@provider, @key, @messageId, @recipientId, @code, @time, @now)
     ON CONFLICT(provider, dedupe_key) DO UPDATE SET result_code = excluded.result_code, report_time = excluded.report_time,
       received_at = excluded.received_at
     WHERE excluded.report_time > reports.report_time`,
  );
  const rowExists = sql.prepare('SELECT id FROM recipients WHERE id = ?');
  const byMessage = sql.prepare('SELECT id FROM recipients WHERE message_id = ?');
  const applyToRow = sql.prepare(
    'UPDATE recipients SET report_code = ?, report_time = ? WHERE id = ? AND (report_time IS NULL OR report_time < ?)',
  );
  const store = sql.transaction((provider: string, report: DeliveryReport, now: number): ReportResult => {
    const instant = reportInstant(report.reportTime);
    if (instant === undefined) throw new RangeError(`reportTime ${JSON.stringify(report.reportTime.slice(0, 60))} is not an ISO-8601 time`);
    const r = { ...report, reportTime: new Date(instant).toISOString() };
    let recipientId: number | undefined;
    if (r.clientKey) {
      recipientId = parseClientKey(db, r.clientKey);
      if (recipientId === undefined || !rowExists.get(recipientId)) return 'unknown';
    } else {
      recipientId = (byMessage.get(r.messageId) as { id: number } | undefined)?.id;
    }
    const key = r.clientKey ?? `m:${r.messageId}`;
    const params = { provider, key, messageId: r.messageId, recipientId: recipientId ?? null, code: r.resultCode, time: r.reportTime, now };
    if (upsert.run(params).changes === 0) return 'duplicate';
    if (recipientId === undefined) return 'orphan';
    applyToRow.run(r.resultCode, r.reportTime, recipientId, r.reportTime);
    return 'stored';
  });
  return {
    /** Stores one report (one transaction) before the endpoint answers. */
    store: (provider: string, report: DeliveryReport, now: number): ReportResult => store(provider, report, now),
    count: (): number => (sql.prepare('SELECT count(*) AS n FROM reports').get() as { n: number }).n,
  };
}

/** The persisted request-idempotency answers (Idempotency-Key header). */
export function createIdempotencyStore(db: Db) {
  const get = db.sql.prepare('SELECT body_hash, status, response FROM idempotency WHERE key = ?');
  const put = db.sql.prepare('INSERT INTO idempotency(key, body_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?)');
  return {
    get: (key: string) => get.get(key) as { body_hash: string; status: number; response: string } | undefined,
    put: (key: string, hash: string, status: number, response: unknown, now: number) =>
      put.run(key, hash, status, JSON.stringify(response), now),
  };
}

/** The persisted GCRA state (theoretical arrival time) per provider account. */
export function createLimiterStore(db: Db) {
  const get = db.sql.prepare('SELECT tat FROM limiter WHERE account = ?');
  const put = db.sql.prepare('INSERT INTO limiter(account, tat) VALUES (?, ?) ON CONFLICT(account) DO UPDATE SET tat = excluded.tat');
  return {
    get: (account: string): number | undefined => (get.get(account) as { tat: number } | undefined)?.tat,
    put: (account: string, tat: number): void => void put.run(account, tat),
  };
}
