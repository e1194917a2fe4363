import type pg from 'pg';
import { type DeliveryReport, type ReportResult, reportInstant } from './reports.ts';
import { type MessageInput, type MessageResult, rowOfClientKey } from './store.ts';

/** Runs `work` in one transaction on one pooled client. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

const UNIQUE_VIOLATION = '23505';

/**
 * Delivery reports and transactional messages on PostgreSQL: the same rules as the SQLite
 * report store (reports.ts), each write one transaction before the endpoint answers.
 */
export function createPgReports(pool: pg.Pool, instance: () => string) {
  async function store(provider: string, report: DeliveryReport, now: number): Promise<ReportResult> {
    const instant = reportInstant(report.reportTime);
    if (instant === undefined) throw new RangeError(`reportTime ${JSON.stringify(report.reportTime.slice(0, 60))} is not an ISO-8601 time`);
    const time = new Date(instant).toISOString();
    return inTransaction(pool, async (c) => {
      let recipientId: number | undefined;
      if (report.clientKey) {
        recipientId = rowOfClientKey(instance(), report.clientKey);
        if (recipientId === undefined || (await c.query('SELECT 1 FROM recipients WHERE id = $1', [recipientId])).rowCount === 0) {
          return 'unknown';
        }
      } else {
        recipientId = (await c.query('SELECT id FROM recipients WHERE message_id = $1 LIMIT 1', [report.messageId])).rows[0]?.id as
          | number
          | undefined;
      }
      const key = report.clientKey ?? `m:${report.messageId}`;
      const upsert = await c.query(
        `INSERT INTO reports(provider, dedupe_key, message_id, recipient_id, result_code, report_time, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (provider, dedupe_key) DO UPDATE SET result_code = excluded.result_code, report_time = excluded.report_time,
           received_at = excluded.received_at WHERE excluded.report_time > reports.report_time`,
        [provider, key, report.messageId, recipientId ?? null, report.resultCode, time, now],
      );
      if (upsert.rowCount === 0) return 'duplicate';
      if (recipientId === undefined) return 'orphan';
      await c.query(
        'UPDATE recipients SET report_code = $1, report_time = $2 WHERE id = $3 AND (report_time IS NULL OR report_time < $2)',
        [report.resultCode, time, recipientId],
      );
      return 'stored';
    });
  }

  async function insertOnce(input: MessageInput): Promise<MessageResult> {
    return inTransaction(pool, async (c) => {
      if (input.idempotency) {
        const stored = await c.query('SELECT body_hash, status, response FROM idempotency WHERE key = $1', [input.idempotency.key]);
        if (stored.rows[0]) return { replay: true, stored: stored.rows[0] };
      }
      let campaign = (
        await c.query(
          `INSERT INTO campaigns(kind, channel, provider, template, state, created_at) VALUES ('tx', $1, $2, $3, 'sending', $4)
           ON CONFLICT (provider, template) WHERE kind = 'tx' DO NOTHING RETURNING id`,
          [input.channel, input.provider, input.template, input.now],
        )
      ).rows[0]?.id as number | undefined;
      campaign ??= (
        await c.query("SELECT id FROM campaigns WHERE kind = 'tx' AND provider = $1 AND template = $2", [input.provider, input.template])
      ).rows[0].id as number;
      const params = input.row.params ? JSON.stringify(input.row.params) : null;
      const inserted = await c.query(
        `WITH i AS (INSERT INTO recipients(campaign_id, recipient, params) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id)
         SELECT id FROM i UNION ALL SELECT id FROM recipients WHERE campaign_id = $1 AND recipient = $2 LIMIT 1`,
        [campaign, input.row.to, params],
      );
      const body = input.answer(inserted.rows[0].id as number);
      if (input.idempotency) {
        const { key, hash, status } = input.idempotency;
        await c.query('INSERT INTO idempotency(key, body_hash, status, response, created_at) VALUES ($1, $2, $3, $4, $5)', [
          key,
          hash,
          status,
          JSON.stringify(body),
          input.now,
        ]);
      }
      return { replay: false, body };
    });
  }

  return {
    store,
    /** Inserts a message; two processes racing on one Idempotency-Key: the loser replays the winner's answer. */
    async insertMessage(input: MessageInput): Promise<MessageResult> {
      try {
        return await insertOnce(input);
      } catch (error) {
        if ((error as { code?: string }).code !== UNIQUE_VIOLATION || !input.idempotency) throw error;
        return insertOnce(input);
      }
    },
  };
}
