import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import pg from 'pg';
import { createSharedLimiter } from '../sender/shared-limiter.ts';
import { State } from './db.ts';
import type { CampaignRow, ClaimedRow, Outcome } from './outbox.ts';
import { createPgReports } from './pg-reports.ts';
import { PG_DDL } from './pg-schema.ts';
import type { IdempotencyRecord, Store } from './store.ts';

/** An ingest whose process stopped renewing this long ago is abandoned (its upload can no longer be answered 2xx). */
const INGEST_HEARTBEAT_MS = 120_000;
const LIVE = `(${State.Pending}, ${State.Leased}, ${State.Sending})`;
const HELD = `(${State.Leased}, ${State.Sending})`;

/** BIGINT and COUNT come back as numbers (ids, epoch ms and counts stay far below 2^53). */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 || oid === 1700 ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Rewrites `?` placeholders to `$1..$n` (inspection queries are written once for both drivers). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Adds the OS user to a URL that names none when the environment has no USER/PGUSER either
 * (CI as root, services): libpq would take the OS user, node-postgres sends no user at all.
 */
export function withDefaultUser(url: string): string {
  const scheme = url.indexOf('://') + 3;
  const authority = url.slice(scheme).split(/[/?]/)[0] ?? '';
  if (authority.includes('@') || process.env.PGUSER || process.env.USER) return url;
  return `${url.slice(0, scheme)}${encodeURIComponent(userInfo().username)}@${url.slice(scheme)}`;
}

/**
 * The PostgreSQL store (node-postgres pool): any number of dispatcher processes on one
 * database. Claims take rows with `FOR UPDATE SKIP LOCKED`, so processes never wait on each
 * other's pages; batches go as arrays (`= ANY($1)`, `unnest`) in one statement each, so a page
 * costs one round trip to claim and one to write its outcomes.
 */
export function createPgStore(url: string): Store {
  const pool = new pg.Pool({ connectionString: withDefaultUser(url), max: 8, types });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => {});
  let instance = '';
  const q = async <T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []) =>
    (await pool.query(sql, params as unknown[])).rows as T[];
  const reports = createPgReports(pool, () => instance);

  const store: Store = {
    driver: 'postgres',
    get instance() {
      return instance;
    },
    async init(now) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // Processes starting together would race on CREATE OR REPLACE FUNCTION: one at a time.
        await client.query("SELECT pg_advisory_xact_lock(hashtext('floodgate-dispatcher-schema'))");
        await client.query(PG_DDL);
        await client.query("INSERT INTO meta(key, value) VALUES ('instance', $1) ON CONFLICT (key) DO NOTHING", [
          randomBytes(4).toString('hex'),
        ]);
        instance = (await client.query("SELECT value FROM meta WHERE key = 'instance'")).rows[0].value as string;
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
      const stale = await q<{ id: number }>("SELECT id FROM campaigns WHERE state = 'ingesting' AND ingest_until < $1", [now]);
      for (const { id } of stale) await store.abortCampaign(id);
    },
    async beginCampaign(c, now) {
      const rows = await q<{ id: number }>(
        `INSERT INTO campaigns(kind, channel, provider, template, params, content, state, created_at, ingest_until)
         VALUES ($1, $2, $3, $4, $5, $6, 'ingesting', $7, $8) RETURNING id`,
        [c.kind, c.channel, c.provider, c.template, c.params, c.content, now, now + INGEST_HEARTBEAT_MS],
      );
      return (rows[0] as { id: number }).id;
    },
    async insertBatch(campaignId, rows, now) {
      const to = rows.map((r) => r.to);
      const params = rows.map((r) => (r.params ? JSON.stringify(r.params) : null));
      const due = rows.map((r) => r.dueAt ?? 0);
      // The heartbeat rides on the batch: one statement, one round trip.
      const res = await pool.query(
        `WITH beat AS (UPDATE campaigns SET ingest_until = $4 WHERE id = $1)
         INSERT INTO recipients(campaign_id, recipient, params, next_at)
         SELECT $1, t, p, d FROM unnest($2::text[], $3::text[], $5::bigint[]) AS u(t, p, d)
         ON CONFLICT DO NOTHING`,
        [campaignId, to, params, now + INGEST_HEARTBEAT_MS, due],
      );
      return res.rowCount ?? 0;
    },
    async commitCampaign(id, total, duplicates, now, entry) {
      const params: unknown[] = [id, total, duplicates];
      let idem = '';
      if (entry) {
        params.push(entry.key, entry.hash, entry.status, JSON.stringify(entry.response), now);
        idem = 'WITH idem AS (INSERT INTO idempotency(key, body_hash, status, response, created_at) VALUES ($4, $5, $6, $7, $8)) ';
      }
      const res = await pool.query(
        `${idem}UPDATE campaigns SET state = 'sending', total = $2, duplicates = $3, ingest_until = NULL WHERE id = $1 AND state = 'ingesting'`,
        params,
      );
      if (res.rowCount !== 1) throw new Error(`campaign ${id} was removed while ingesting (its heartbeat lapsed)`);
    },
    async abortCampaign(id) {
      await q('WITH r AS (DELETE FROM recipients WHERE campaign_id = $1) DELETE FROM campaigns WHERE id = $1', [id]);
    },
    insertMessage: (input) => reports.insertMessage(input),
    async campaign(id) {
      return (await q<CampaignRow>('SELECT * FROM campaigns WHERE id = $1', [id]))[0];
    },
    activeCampaigns: (provider) =>
      q<CampaignRow>("SELECT * FROM campaigns WHERE provider = $1 AND state = 'sending' ORDER BY kind DESC, id", [provider]),
    // Rows tried before (next_at > 0) ahead of never-tried rows (next_at = 0): see outbox.ts `claim`.
    claim: (campaign, now, until, owner, limit) =>
      q<ClaimedRow>(
        `WITH retried AS (
           SELECT id FROM recipients WHERE campaign_id = $1 AND state = ${State.Pending} AND next_at > 0 AND next_at <= $2
           ORDER BY next_at, id LIMIT $5 FOR UPDATE SKIP LOCKED),
         fresh AS (
           SELECT id FROM recipients WHERE campaign_id = $1 AND state = ${State.Pending} AND next_at = 0
           ORDER BY next_at, id LIMIT $5 - (SELECT count(*) FROM retried) FOR UPDATE SKIP LOCKED),
         picked AS (SELECT id FROM retried UNION ALL SELECT id FROM fresh)
         UPDATE recipients r SET state = ${State.Leased}, next_at = $3, lease_owner = $4
         FROM picked WHERE r.id = picked.id
         RETURNING r.id, r.recipient, r.params, r.attempts`,
        [campaign, Math.floor(now), Math.round(until), owner, limit],
      ).then((rows) => rows.sort((a, b) => a.id - b.id)),
    async renew(ids, until, owner) {
      if (ids.length === 0) return;
      await q(`UPDATE recipients SET next_at = $1 WHERE id = ANY($2) AND state IN ${HELD} AND lease_owner = $3`, [
        Math.round(until),
        ids,
        owner,
      ]);
    },
    async markSending(ids, owner) {
      const rows = await q<{ id: number }>(
        `UPDATE recipients SET state = ${State.Sending} WHERE id = ANY($1) AND state = ${State.Leased} AND lease_owner = $2 RETURNING id`,
        [ids, owner],
      );
      return rows.length === ids.length ? ids : rows.map((r) => r.id);
    },
    async recoverExpired(campaign, now) {
      const rows = await q<{ n: number }>(
        `WITH s AS (UPDATE recipients SET state = ${State.Pending}, uncertain = 1, lease_owner = NULL, next_at = $2
           WHERE campaign_id = $1 AND state = ${State.Sending} AND next_at < $2 RETURNING 1),
         l AS (UPDATE recipients SET state = ${State.Pending}, lease_owner = NULL, next_at = $2
           WHERE campaign_id = $1 AND state = ${State.Leased} AND next_at < $2 RETURNING 1)
         SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM l) AS n`,
        [campaign, Math.round(now)],
      );
      return (rows[0] as { n: number }).n;
    },
    applyOutcomes: (outcomes) => applyOutcomes(pool, outcomes),
    async fallBack(source, rows, target, error, now) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // Two processes may fall back for one campaign at once: the unique index makes one campaign.
        await client.query(
          `INSERT INTO campaigns(kind, channel, provider, template, params, content, state, created_at, fallback_of)
           VALUES ('campaign', $1, $2, $3, $4, $5, 'sending', $6, $7) ON CONFLICT (fallback_of) WHERE fallback_of IS NOT NULL DO NOTHING`,
          [target.channel, target.provider, source.template, source.params, source.content, Math.round(now), source.id],
        );
        const id = (await client.query('SELECT id FROM campaigns WHERE fallback_of = $1', [source.id])).rows[0].id as number;
        const added = await client.query(
          `INSERT INTO recipients(campaign_id, recipient, params) SELECT $1, t, p FROM unnest($2::text[], $3::text[]) AS u(t, p)
           ON CONFLICT DO NOTHING`,
          [id, rows.map((r) => r.recipient), rows.map((r) => r.params)],
        );
        await client.query(
          `UPDATE recipients SET state = ${State.Failed}, error = $2, lease_owner = NULL WHERE id = ANY($1::bigint[]) AND state IN ${LIVE}`,
          [rows.map((r) => r.id), error],
        );
        const n = added.rowCount ?? 0;
        await client.query("UPDATE campaigns SET total = total + $2, state = 'sending', finished_at = NULL WHERE id = $1", [id, n]);
        await client.query('COMMIT');
        return n;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    async openWork(campaign) {
      const rows = await q<{ n: number; next: number | null }>(
        `SELECT count(*) AS n, min(next_at) AS next FROM recipients WHERE campaign_id = $1 AND state IN ${LIVE}`,
        [campaign],
      );
      return rows[0] as { n: number; next: number | null };
    },
    async hasOpenWork(campaign) {
      const rows = await q<{ open: boolean }>(
        `SELECT EXISTS(SELECT 1 FROM recipients WHERE campaign_id = $1 AND state IN ${LIVE}) AS open`,
        [campaign],
      );
      return rows[0]?.open === true;
    },
    async scheduled(campaign, now) {
      const rows = await q<{ n: number }>(
        `SELECT count(*)::int AS n FROM recipients WHERE campaign_id = $1 AND state = ${State.Pending} AND next_at > $2`,
        [campaign, Math.floor(now)],
      );
      return rows[0]?.n ?? 0;
    },
    async finish(id, now) {
      await q("UPDATE campaigns SET state = 'done', finished_at = $2 WHERE id = $1 AND kind = 'campaign'", [id, Math.round(now)]);
    },
    async counts(id) {
      const [states, uncertain, codes] = await Promise.all([
        q<{ state: number; n: number }>('SELECT state, count(*) AS n FROM recipients WHERE campaign_id = $1 GROUP BY state', [id]),
        q<{ n: number }>('SELECT count(*) AS n FROM recipients WHERE campaign_id = $1 AND uncertain = 1', [id]),
        q<{ code: string; n: number }>(
          'SELECT report_code AS code, count(*) AS n FROM recipients WHERE campaign_id = $1 AND report_code IS NOT NULL GROUP BY report_code',
          [id],
        ),
      ]);
      return { states, uncertain: (uncertain[0] as { n: number }).n, reports: codes };
    },
    storeReport: (provider, report, now) => reports.store(provider, report, now),
    async idempotency(key) {
      return (await q<IdempotencyRecord>('SELECT body_hash, status, response FROM idempotency WHERE key = $1', [key]))[0];
    },
    createLimiter: (options) => createSharedLimiter({ ...options, pool }),
    query: (sql, params = []) => q(numbered(sql), params),
    close: () => pool.end(),
  };
  return store;
}

/**
 * Writes a batch of outcomes in one statement (data-modifying CTEs run in one transaction):
 * one UPDATE per outcome kind over arrays. Reports that arrived before their send outcome are
 * adopted by a second statement, only when any wait (rare).
 */
async function applyOutcomes(pool: pg.Pool, outcomes: readonly Outcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  // A row updated twice in one statement keeps one update at random: keep the last outcome per row.
  const last = new Map<number, Outcome>();
  for (const o of outcomes) last.set(o.id, o);
  const sent: [number[], string[], number[]] = [[], [], []];
  const retry: [number[], number[], string[], number[]] = [[], [], [], []];
  const failed: [number[], string[]] = [[], []];
  const release: [number[], number[]] = [[], []];
  const push = (columns: unknown[][], values: unknown[]) => {
    for (const [i, v] of values.entries()) columns[i]?.push(v);
  };
  for (const o of last.values()) {
    if (o.kind === 'sent') push(sent, [o.id, o.messageId, o.at]);
    else if (o.kind === 'retry') push(retry, [o.id, o.nextAt, o.error, o.uncertain ? 1 : 0]);
    else if (o.kind === 'failed') push(failed, [o.id, o.error]);
    else push(release, [o.id, o.nextAt]);
  }
  const rows = await pool.query(
    `WITH s AS (UPDATE recipients r SET state = ${State.Sent}, message_id = u.m, sent_at = u.a, lease_owner = NULL, error = NULL
       FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS u(i, m, a) WHERE r.id = u.i AND r.state IN ${LIVE} RETURNING 1),
     rt AS (UPDATE recipients r SET state = ${State.Pending}, next_at = u.n, error = u.e, attempts = r.attempts + 1, lease_owner = NULL,
       uncertain = greatest(r.uncertain, u.c) FROM unnest($4::bigint[], $5::bigint[], $6::text[], $7::smallint[]) AS u(i, n, e, c)
       WHERE r.id = u.i AND r.state IN ${HELD} RETURNING 1),
     f AS (UPDATE recipients r SET state = ${State.Failed}, error = u.e, lease_owner = NULL
       FROM unnest($8::bigint[], $9::text[]) AS u(i, e) WHERE r.id = u.i AND r.state IN ${LIVE} RETURNING 1),
     rl AS (UPDATE recipients r SET state = ${State.Pending}, next_at = u.n, lease_owner = NULL
       FROM unnest($10::bigint[], $11::bigint[]) AS u(i, n) WHERE r.id = u.i AND r.state IN ${HELD} RETURNING 1)
     SELECT EXISTS (SELECT 1 FROM reports WHERE recipient_id IS NULL) AS orphans,
       (SELECT count(*) FROM s) + (SELECT count(*) FROM rt) + (SELECT count(*) FROM f) + (SELECT count(*) FROM rl) AS n`,
    [...sent, ...retry, ...failed, ...release],
  );
  if ((rows.rows[0] as { orphans: boolean }).orphans && sent[0].length > 0) await adoptOrphans(pool);
}

/**
 * Applies waiting reports to the rows whose message id is now recorded. Idempotent and not tied
 * to one batch, so a report that raced its outcome is adopted by any later batch.
 */
export async function adoptOrphans(pool: pg.Pool): Promise<void> {
  await pool.query(
    `WITH a AS (UPDATE reports o SET recipient_id = r.id FROM recipients r
       WHERE o.recipient_id IS NULL AND r.message_id = o.message_id RETURNING r.id, o.result_code, o.report_time)
     UPDATE recipients r SET report_code = a.result_code, report_time = a.report_time FROM a
     WHERE r.id = a.id AND (r.report_time IS NULL OR r.report_time < a.report_time)`,
  );
}
