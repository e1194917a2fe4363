import { createLimiter } from '../sender/limiter.ts';
import { openDb } from './db.ts';
import { createOutbox } from './outbox.ts';
import { createIdempotencyStore, createLimiterStore, createReportStore } from './reports.ts';
import type { MessageResult, Store } from './store.ts';

/**
 * The SQLite store (better-sqlite3, WAL): one dispatcher process per database file. Every
 * statement runs synchronously inside; the async methods return settled promises, so a caller
 * awaiting them costs a microtask, not a thread hop. Opening is synchronous, so a bad file is
 * refused when the dispatcher is created (exit 4 with the reason), as before.
 */
export function createSqliteStore(file: string): Store {
  const db = openDb(file);
  const outbox = createOutbox(db);
  const reports = createReportStore(db);
  const idem = createIdempotencyStore(db);
  const tats = createLimiterStore(db);
  const message = db.sql.transaction((input: Parameters<Store['insertMessage']>[0]): MessageResult => {
    const stored = input.idempotency ? idem.get(input.idempotency.key) : undefined;
    if (stored) return { replay: true, stored };
    const campaign = outbox.txCampaign(input.provider, input.channel, input.template, input.now);
    const { id } = outbox.insertMessage(campaign, input.row);
    const body = input.answer(id);
    if (input.idempotency) idem.put(input.idempotency.key, input.idempotency.hash, input.idempotency.status, body, input.now);
    return { replay: false, body };
  });
  const commit = db.sql.transaction((...[id, total, duplicates, now, entry]: Parameters<Store['commitCampaign']>) => {
    if (entry) idem.put(entry.key, entry.hash, entry.status, entry.response, now);
    outbox.commitCampaign(id, total, duplicates);
  });
  return {
    driver: 'sqlite',
    instance: db.instance,
    init: async () => {
      for (const id of outbox.abandonedIngests()) outbox.abortCampaign(id);
    },
    beginCampaign: async (meta, now) => outbox.beginCampaign(meta, now),
    insertBatch: async (id, rows) => outbox.insertBatch(id, rows),
    commitCampaign: async (...args) => commit(...args),
    abortCampaign: async (id) => outbox.abortCampaign(id),
    insertMessage: async (input) => message(input),
    campaign: async (id) => outbox.campaign(id),
    activeCampaigns: async (provider) => outbox.activeCampaigns(provider),
    claim: async (...args) => outbox.claim(...args),
    renew: async (...args) => outbox.renew(...args),
    // One process per file: its own maintenance renews before it recovers, so it never loses a queued row.
    markSending: async (ids) => {
      outbox.markSending(ids);
      return ids;
    },
    recoverExpired: async (...args) => outbox.recoverExpired(...args),
    applyOutcomes: async (outcomes) => outbox.applyOutcomes(outcomes),
    fallBack: async (...args) => outbox.fallBack(...args),
    openWork: async (id) => outbox.openWork(id),
    hasOpenWork: async (id) => outbox.hasOpenWork(id),
    scheduled: async (id, now) => outbox.scheduled(id, now),
    finish: async (id, now) => outbox.finish(id, now),
    counts: async (id) => outbox.counts(id),
    storeReport: async (...args) => reports.store(...args),
    idempotency: async (key) => idem.get(key),
    // One process per file: the TAT is persisted ahead (synchronously) and the guard counts this process only.
    createLimiter: (options) => createLimiter({ ...options, store: tats }),
    query: async (sql, params = []) => db.sql.prepare(sql).all(...params) as Record<string, unknown>[],
    close: async () => void db.sql.close(),
  };
}
