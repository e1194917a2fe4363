import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { InputError } from '../../src/core/index.ts';
import { clientKeyOf, rowOfClientKey } from './store.ts';

/**
 * Row states of the outbox. Integers keep the recipients table and its index small. `Leased`
 * rows are claimed by a process but not yet handed to the provider; `Sending` rows are in a
 * request (written just before the call). Only `Sending` rows may have reached the provider,
 * so only they are flagged uncertain when their lease runs out.
 */
export const State = { Pending: 0, Leased: 1, Sent: 2, Failed: 3, Sending: 4 } as const;
/** One of {@link State}. */
export type State = (typeof State)[keyof typeof State];

/** The names the API shows for {@link State}. */
export const STATE_NAMES = ['pending', 'claimed', 'sent', 'failed', 'inFlight'] as const;

/**
 * The schema. `recipients` is the outbox: one row per recipient, inserted before anything is
 * sent. For a leased row `next_at` holds the lease expiry, for a pending row the earliest next
 * attempt, so one index (campaign, state, next_at) serves claims, lease recovery and counts.
 * Delivery reports live in their own table, keyed so a repeat is ignored, and are copied onto
 * the row whatever its send state (a report may arrive before the send outcome is written).
 */
const DDL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS campaigns (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,               -- 'campaign' | 'tx'
  channel TEXT NOT NULL,
  provider TEXT NOT NULL,
  template TEXT NOT NULL,
  params TEXT,
  content TEXT,
  state TEXT NOT NULL,              -- 'ingesting' | 'sending' | 'done'
  total INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  fallback_of INTEGER               -- the campaign whose unreachable recipients this one carries
);
CREATE INDEX IF NOT EXISTS campaigns_active ON campaigns(provider, state);
CREATE UNIQUE INDEX IF NOT EXISTS campaigns_tx ON campaigns(provider, template) WHERE kind = 'tx';
CREATE TABLE IF NOT EXISTS recipients (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL,
  recipient TEXT NOT NULL,
  params TEXT,
  state INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  uncertain INTEGER NOT NULL DEFAULT 0,
  lease_owner INTEGER,
  message_id TEXT,
  error TEXT,
  sent_at INTEGER,
  report_code TEXT,
  report_time TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS recipients_dedupe ON recipients(campaign_id, recipient);
CREATE INDEX IF NOT EXISTS recipients_work ON recipients(campaign_id, state, next_at);
CREATE INDEX IF NOT EXISTS recipients_message ON recipients(message_id) WHERE message_id IS NOT NULL;
-- Partial indexes cost nothing at ingest (every new row is outside them) and make counts index-only.
CREATE INDEX IF NOT EXISTS recipients_uncertain ON recipients(campaign_id) WHERE uncertain = 1;
CREATE INDEX IF NOT EXISTS recipients_reported ON recipients(campaign_id, report_code) WHERE report_code IS NOT NULL;
CREATE TABLE IF NOT EXISTS reports (
  provider TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  message_id TEXT,
  recipient_id INTEGER,
  result_code TEXT NOT NULL,
  report_time TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (provider, dedupe_key)
);
CREATE INDEX IF NOT EXISTS reports_orphans ON reports(message_id) WHERE recipient_id IS NULL;
CREATE TABLE IF NOT EXISTS limiter (account TEXT PRIMARY KEY, tat REAL NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (
  key TEXT PRIMARY KEY,
  body_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  response TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
`;

/** An open outbox database and its identity (the prefix of every client key it issues). */
export interface Db {
  sql: Database.Database;
  /** Random per database, so client keys from two databases never collide at a provider. */
  instance: string;
}

/**
 * Opens (creating if needed) the outbox. WAL lets the API read while the sender writes;
 * `synchronous = NORMAL` in WAL mode survives a process crash (only an OS crash can lose
 * the last transactions; SQLite docs, "WAL mode"); a fixed 8 MB page cache keeps memory flat.
 */
export function openDb(file: string): Db {
  let sql: Database.Database | undefined;
  try {
    sql = new Database(file);
    return prepareDb(sql);
  } catch (error) {
    sql?.close();
    throw openError(file, error);
  }
}

/**
 * Says what is wrong with a database file a user named (exit 4 / bad input), instead of an
 * "internal error": a directory, a directory that does not exist, a file that is not SQLite.
 * Anything else is rethrown as it is.
 */
function openError(file: string, error: unknown): unknown {
  const code = (error as { code?: string }).code;
  let reason: string | undefined;
  if (file !== ':memory:' && existsSync(file) && statSync(file).isDirectory()) reason = 'it is a directory (EISDIR); name a file';
  else if (file !== ':memory:' && !existsSync(dirname(file))) reason = `its directory ${dirname(file)} does not exist (ENOENT)`;
  else if (code === 'SQLITE_NOTADB') reason = 'the file exists but is not an SQLite database (SQLITE_NOTADB)';
  else if (code === 'SQLITE_CANTOPEN') reason = 'it cannot be opened (SQLITE_CANTOPEN): check its permissions';
  else if (code === 'SQLITE_READONLY') reason = 'it is read-only (SQLITE_READONLY)';
  if (reason === undefined) return error;
  return new InputError('FG_INPUT_INVALID', `database ${file}: ${reason}`, {
    issues: [{ path: ['db'], message: reason, hint: 'set it with --db FILE or `db:` in the config' }],
  });
}

function prepareDb(sql: Database.Database): Db {
  sql.pragma('journal_mode = WAL');
  sql.pragma('synchronous = NORMAL');
  sql.pragma('busy_timeout = 5000');
  sql.pragma('cache_size = -8000');
  sql.pragma('temp_store = FILE');
  // Databases made before fallback campaigns lack the column (CREATE TABLE IF NOT EXISTS keeps the old table).
  const hasCampaigns = sql.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'campaigns'").get() !== undefined;
  if (hasCampaigns && !(sql.prepare('PRAGMA table_info(campaigns)').all() as { name: string }[]).some((c) => c.name === 'fallback_of'))
    sql.exec('ALTER TABLE campaigns ADD COLUMN fallback_of INTEGER');
  sql.exec(DDL);
  sql.exec('CREATE UNIQUE INDEX IF NOT EXISTS campaigns_fallback ON campaigns(fallback_of) WHERE fallback_of IS NOT NULL');
  let row = sql.prepare("SELECT value FROM meta WHERE key = 'instance'").get() as { value: string } | undefined;
  if (!row) {
    sql.prepare("INSERT OR IGNORE INTO meta(key, value) VALUES ('instance', ?)").run(randomBytes(4).toString('hex'));
    row = sql.prepare("SELECT value FROM meta WHERE key = 'instance'").get() as { value: string };
  }
  return { sql, instance: row.value };
}

/** The client key of a row: the same on every attempt, and decodable back to the row. */
export function toClientKey(db: { readonly instance: string }, rowId: number): string {
  return clientKeyOf(db.instance, rowId);
}

/** Decodes a client key issued by this database, or undefined when it is not ours. */
export function parseClientKey(db: { readonly instance: string }, key: string): number | undefined {
  return rowOfClientKey(db.instance, key);
}
