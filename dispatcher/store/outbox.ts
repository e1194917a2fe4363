import type { Db } from './db.ts';
import { State } from './db.ts';

/** A campaign as stored. */
export interface CampaignRow {
  id: number;
  kind: 'campaign' | 'tx';
  channel: string;
  provider: string;
  template: string;
  params: string | null;
  content: string | null;
  state: 'ingesting' | 'sending' | 'done';
  total: number;
  duplicates: number;
  created_at: number;
  finished_at: number | null;
}

/** A recipient to ingest: the address and optional per-recipient template parameters. */
export interface IngestRow {
  to: string;
  params?: Record<string, string> | undefined;
  /** When the recipient falls due (epoch ms): never handed to the provider before. Absent: at once. */
  dueAt?: number | undefined;
}

/** A claimed row, leased to this process. */
export interface ClaimedRow {
  id: number;
  recipient: string;
  params: string | null;
  attempts: number;
}

/** What happened to one row; written in batches by {@link Outbox.applyOutcomes}. */
export type Outcome =
  | { id: number; kind: 'sent'; messageId: string; at: number }
  | { id: number; kind: 'retry'; nextAt: number; error: string; uncertain: boolean }
  | { id: number; kind: 'failed'; error: string }
  | { id: number; kind: 'release'; nextAt: number };

/** The outbox: campaigns and their recipient rows, claimed under leases. */
export type Outbox = ReturnType<typeof createOutbox>;

/** Prepares every statement once; all methods are synchronous (better-sqlite3). */
export function createOutbox(db: Db) {
  const { sql } = db;
  const insertCampaign = sql.prepare(
    `INSERT INTO campaigns(kind, channel, provider, template, params, content, state, created_at)
     VALUES (@kind, @channel, @provider, @template, @params, @content, @state, @now)`,
  );
  const insertRecipient = sql.prepare('INSERT OR IGNORE INTO recipients(campaign_id, recipient, params, next_at) VALUES (?, ?, ?, ?)');
  const insertBatch = sql.transaction((campaignId: number, rows: readonly IngestRow[]) => {
    let inserted = 0;
    for (const row of rows) {
      inserted += insertRecipient.run(campaignId, row.to, row.params ? JSON.stringify(row.params) : null, row.dueAt ?? 0).changes;
    }
    return inserted;
  });
  // Claims run in two steps, rows with a time first (see `claim`). A pending row's next_at is 0
  // from ingest until its first claim unless it was scheduled (then its due time); after that
  // (retry, release, lease recovery) it is the time it became due, always > 0. So `next_at > 0`
  // picks the rows that went out before and the scheduled ones, in due order, and neither is
  // ever claimed before its time; both steps are range scans of the recipients_work index.
  const claimSql = (which: string) =>
    sql.prepare(
      `UPDATE recipients SET state = ${State.Leased}, next_at = @until, lease_owner = @owner
       WHERE id IN (SELECT id FROM recipients WHERE campaign_id = @campaign AND state = ${State.Pending} AND ${which}
                    ORDER BY next_at LIMIT @limit)
       RETURNING id, recipient, params, attempts`,
    );
  const claimRetried = claimSql('next_at > 0 AND next_at <= @now');
  const claimDue = claimSql('next_at <= @now');
  const claimTx = sql.transaction((args: { campaign: number; now: number; until: number; owner: number; limit: number }) => {
    const retried = claimRetried.all(args) as ClaimedRow[];
    if (retried.length >= args.limit) return retried;
    return retried.concat(claimDue.all({ ...args, limit: args.limit - retried.length }) as ClaimedRow[]);
  });
  const HELD = `(${State.Leased}, ${State.Sending})`;
  const renewStmt = sql.prepare(
    `UPDATE recipients SET next_at = ? WHERE id IN (SELECT value FROM json_each(?)) AND state IN ${HELD} AND lease_owner = ?`,
  );
  const sendingStmt = sql.prepare(`UPDATE recipients SET state = ${State.Sending} WHERE id IN (SELECT value FROM json_each(?))`);
  const sendingOne = sql.prepare(`UPDATE recipients SET state = ${State.Sending} WHERE id = ?`);
  const recoverSending = sql.prepare(
    `UPDATE recipients SET state = ${State.Pending}, uncertain = 1, lease_owner = NULL, next_at = @now
     WHERE campaign_id = @campaign AND state = ${State.Sending} AND next_at < @now`,
  );
  const recoverLeased = sql.prepare(
    `UPDATE recipients SET state = ${State.Pending}, lease_owner = NULL, next_at = @now
     WHERE campaign_id = @campaign AND state = ${State.Leased} AND next_at < @now`,
  );
  const sentStmt = sql.prepare(
    `UPDATE recipients SET state = ${State.Sent}, message_id = ?, sent_at = ?, lease_owner = NULL, error = NULL
     WHERE id = ? AND state IN (${State.Pending}, ${State.Leased}, ${State.Sending})`,
  );
  const retryStmt = sql.prepare(
    `UPDATE recipients SET state = ${State.Pending}, next_at = ?, error = ?, attempts = attempts + 1, lease_owner = NULL,
       uncertain = max(uncertain, ?) WHERE id = ? AND state IN ${HELD}`,
  );
  const failedStmt = sql.prepare(
    `UPDATE recipients SET state = ${State.Failed}, error = ?, lease_owner = NULL WHERE id = ? AND state IN (${State.Pending}, ${State.Leased}, ${State.Sending})`,
  );
  const releaseStmt = sql.prepare(
    `UPDATE recipients SET state = ${State.Pending}, next_at = ?, lease_owner = NULL WHERE id = ? AND state IN ${HELD}`,
  );
  const orphanStmt = sql.prepare('SELECT result_code, report_time FROM reports WHERE message_id = ? AND recipient_id IS NULL');
  const anyOrphan = sql.prepare('SELECT 1 FROM reports WHERE recipient_id IS NULL LIMIT 1').pluck();
  const adoptStmt = sql.prepare('UPDATE reports SET recipient_id = ? WHERE message_id = ? AND recipient_id IS NULL');
  const reportOnRow = sql.prepare(
    'UPDATE recipients SET report_code = ?, report_time = ? WHERE id = ? AND (report_time IS NULL OR report_time < ?)',
  );
  const applyOutcomes = sql.transaction((outcomes: readonly Outcome[]) => {
    // Reports that arrived before their send outcome (no client key) wait as orphans; most batches have none to look for.
    const orphans = anyOrphan.get() !== undefined;
    for (const o of outcomes) {
      if (o.kind === 'sent') {
        sentStmt.run(o.messageId, o.at, o.id);
        if (!orphans) continue;
        for (const r of orphanStmt.all(o.messageId) as { result_code: string; report_time: string }[]) {
          reportOnRow.run(r.result_code, r.report_time, o.id, r.report_time);
          adoptStmt.run(o.id, o.messageId);
        }
      } else if (o.kind === 'retry') retryStmt.run(o.nextAt, o.error, o.uncertain ? 1 : 0, o.id);
      else if (o.kind === 'failed') failedStmt.run(o.error, o.id);
      else releaseStmt.run(o.nextAt, o.id);
    }
  });
  const openWork = sql.prepare(
    `SELECT count(*) AS n, min(next_at) AS next FROM recipients WHERE campaign_id = ? AND state IN (${State.Pending}, ${State.Leased}, ${State.Sending})`,
  );
  const anyOpen = sql.prepare(
    `SELECT EXISTS(SELECT 1 FROM recipients WHERE campaign_id = ? AND state IN (${State.Pending}, ${State.Leased}, ${State.Sending})) AS open`,
  );
  const scheduledStmt = sql.prepare(
    `SELECT count(*) AS n FROM recipients WHERE campaign_id = ? AND state = ${State.Pending} AND next_at > ?`,
  );
  const activeStmt = sql.prepare("SELECT * FROM campaigns WHERE provider = ? AND state = 'sending' ORDER BY kind DESC, id");
  const byState = sql.prepare('SELECT state, count(*) AS n FROM recipients WHERE campaign_id = ? GROUP BY state');
  const uncertainCount = sql.prepare('SELECT count(*) AS n FROM recipients WHERE campaign_id = ? AND uncertain = 1');
  const reportCounts = sql.prepare(
    'SELECT report_code AS code, count(*) AS n FROM recipients WHERE campaign_id = ? AND report_code IS NOT NULL GROUP BY report_code',
  );

  return {
    /** Creates a campaign row in state `ingesting`: invisible to the sender until committed. */
    beginCampaign(c: Pick<CampaignRow, 'kind' | 'channel' | 'provider' | 'template' | 'params' | 'content'>, now: number): number {
      return Number(insertCampaign.run({ ...c, state: 'ingesting', now }).lastInsertRowid);
    },
    /** Inserts a batch in one transaction; returns how many were new (the rest were duplicates). */
    insertBatch: (campaignId: number, rows: readonly IngestRow[]): number => insertBatch(campaignId, rows),
    /** Makes an ingested campaign visible to the sender: from here on a 2xx may be answered. */
    commitCampaign(id: number, total: number, duplicates: number): void {
      sql.prepare("UPDATE campaigns SET state = 'sending', total = ?, duplicates = ? WHERE id = ?").run(total, duplicates, id);
    },
    /** Removes a campaign that failed during ingest, rows and all. */
    abortCampaign: sql.transaction((id: number) => {
      sql.prepare('DELETE FROM recipients WHERE campaign_id = ?').run(id);
      sql.prepare('DELETE FROM campaigns WHERE id = ?').run(id);
    }),
    /** Campaigns left half-ingested by a crash (never answered 2xx): removed at startup. */
    abandonedIngests: (): number[] =>
      (sql.prepare("SELECT id FROM campaigns WHERE state = 'ingesting'").all() as { id: number }[]).map((r) => r.id),
    /** See `Store.fallBack`. */
    fallBack: sql.transaction(
      (source: CampaignRow, rows: readonly ClaimedRow[], target: { provider: string; channel: string }, error: string, now: number) => {
        const found = sql.prepare('SELECT id FROM campaigns WHERE fallback_of = ?').get(source.id) as { id: number } | undefined;
        const id =
          found?.id ??
          Number(
            sql
              .prepare(
                `INSERT INTO campaigns(kind, channel, provider, template, params, content, state, created_at, fallback_of)
                 VALUES ('campaign', ?, ?, ?, ?, ?, 'sending', ?, ?)`,
              )
              .run(target.channel, target.provider, source.template, source.params, source.content, now, source.id).lastInsertRowid,
          );
        let added = 0;
        for (const row of rows) {
          added += insertRecipient.run(id, row.recipient, row.params, 0).changes;
          failedStmt.run(error, row.id);
        }
        sql.prepare("UPDATE campaigns SET total = total + ?, state = 'sending', finished_at = NULL WHERE id = ?").run(added, id);
        return added;
      },
    ),
    /** The transactional-message campaign for a provider and template, created on first use. */
    txCampaign(provider: string, channel: string, template: string, now: number): number {
      const found = sql.prepare("SELECT id FROM campaigns WHERE kind = 'tx' AND provider = ? AND template = ?").get(provider, template) as
        | { id: number }
        | undefined;
      if (found) return found.id;
      return Number(
        insertCampaign.run({ kind: 'tx', channel, provider, template, params: null, content: null, state: 'sending', now }).lastInsertRowid,
      );
    },
    /** Inserts one transactional message; returns its row id (the existing one for a repeat). */
    insertMessage(campaignId: number, row: IngestRow): { id: number; duplicate: boolean } {
      const info = insertRecipient.run(campaignId, row.to, row.params ? JSON.stringify(row.params) : null, 0);
      if (info.changes === 1) return { id: Number(info.lastInsertRowid), duplicate: false };
      const existing = sql.prepare('SELECT id FROM recipients WHERE campaign_id = ? AND recipient = ?').get(campaignId, row.to) as {
        id: number;
      };
      return { id: existing.id, duplicate: true };
    },
    campaign: (id: number): CampaignRow | undefined =>
      sql.prepare('SELECT * FROM campaigns WHERE id = ?').get(id) as CampaignRow | undefined,
    /** Committed campaigns of a provider that still have work, transactional first. */
    activeCampaigns: (provider: string): CampaignRow[] => activeStmt.all(provider) as CampaignRow[],
    /**
     * Claims up to `limit` due rows under a lease that ends at `until`; written before any send.
     *
     * Due rows that were tried before (retries after a timeout, released or recovered rows) come
     * before rows never tried. Exactly-once with provider dedupe (README, guarantee 3) needs every
     * retry of a client key to reach the provider inside the provider's dedupe window (10 min at
     * the Alimtalk mock by default). Ordered by next_at alone, the never-tried rows (next_at 0)
     * always came first, so a retry waited for the whole backlog: in a 15-minute,
     * 1,000,000-recipient campaign the retries of batches whose answers were lost in the first
     * 5 minutes came after the provider had forgotten their keys, and 3,000 recipients got two.
     * Now a due retry is claimed at the next refill and sent behind at most one page (a page is
     * sent within a third of the lease), so a row's attempts span its backoffs, timeouts and a
     * few seconds, not the campaign.
     */
    claim: (campaign: number, now: number, until: number, owner: number, limit: number): ClaimedRow[] =>
      claimTx({ campaign, now, until, owner, limit }),
    /** Extends the lease of rows this process still holds. */
    renew(ids: readonly number[], until: number, owner: number): void {
      if (ids.length > 0) renewStmt.run(until, JSON.stringify(ids), owner);
    },
    /** Marks rows as handed to the provider: written before the request leaves. */
    markSending(ids: readonly number[]): void {
      if (ids.length === 1) sendingOne.run(ids[0]);
      else sendingStmt.run(JSON.stringify(ids));
    },
    /**
     * Returns rows whose lease expired without an outcome to the queue. Rows that were in a
     * request may have been delivered: they are flagged uncertain and keep their client key.
     */
    recoverExpired: (campaign: number, now: number): number =>
      recoverSending.run({ campaign, now }).changes + recoverLeased.run({ campaign, now }).changes,
    /** Writes a batch of outcomes in one transaction. */
    applyOutcomes: (outcomes: readonly Outcome[]): void => applyOutcomes(outcomes),
    /** Rows still pending or leased, and the earliest `next_at` among them. */
    openWork: (campaign: number) => openWork.get(campaign) as { n: number; next: number | null },
    /** Whether any row is still pending, leased or in flight (an index probe). */
    hasOpenWork: (campaign: number): boolean => (anyOpen.get(campaign) as { open: number }).open === 1,
    /** Pending rows not yet due at `now`. */
    scheduled: (campaign: number, now: number): number => (scheduledStmt.get(campaign, now) as { n: number }).n,
    /** Marks a campaign done. */
    finish(id: number, now: number): void {
      sql.prepare("UPDATE campaigns SET state = 'done', finished_at = ? WHERE id = ? AND kind = 'campaign'").run(now, id);
    },
    /** Counts by state, uncertain rows and delivery-report codes, for the status endpoint. */
    counts(id: number) {
      const states = byState.all(id) as { state: number; n: number }[];
      const reports = reportCounts.all(id) as { code: string; n: number }[];
      return { states, uncertain: (uncertainCount.get(id) as { n: number }).n, reports };
    },
  };
}

/** The parameter under which a transactional row keeps its address (its dedupe column holds the message key). */
export const TX_TO_PARAM = '$to';
