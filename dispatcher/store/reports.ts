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
  const store = sql.transaction((provider: string, r: DeliveryReport, now: number): ReportResult => {
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
