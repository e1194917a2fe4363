import type { LimiterOptions, PacingLimiter } from '../sender/limiter.ts';
import type { CampaignRow, ClaimedRow, IngestRow, Outcome } from './outbox.ts';
import type { DeliveryReport, ReportResult } from './reports.ts';

/** A stored Idempotency-Key answer. */
export interface IdempotencyRecord {
  body_hash: string;
  status: number;
  response: string;
}

/** An Idempotency-Key answer to store with the write it answers (same transaction). */
export interface IdempotencyEntry {
  key: string;
  hash: string;
  status: number;
  response: unknown;
}

/** Campaign fields given at creation. */
export type CampaignMeta = Pick<CampaignRow, 'kind' | 'channel' | 'provider' | 'template' | 'params' | 'content'>;

/** One transactional message to insert (POST /v1/messages), with its optional Idempotency-Key. */
export interface MessageInput {
  provider: string;
  channel: string;
  template: string;
  row: IngestRow;
  now: number;
  /** The header's key and the body hash, when the client sent one. */
  idempotency?: { key: string; hash: string; status: number } | undefined;
  /** The answer for the new row's id (stored under the key in the same transaction). */
  answer: (id: number) => Record<string, unknown>;
}

/** What inserting a message did: a new row, or the stored answer of an earlier request with the key. */
export type MessageResult = { replay: false; body: Record<string, unknown> } | { replay: true; stored: IdempotencyRecord };

/** Where a campaign's fallback rows go: another account, of another channel. */
export interface FallbackTarget {
  provider: string;
  channel: string;
}

/** Counts for the status endpoint. */
export interface CampaignCounts {
  states: { state: number; n: number }[];
  uncertain: number;
  reports: { code: string; n: number }[];
}

/**
 * The reference dispatcher's durable state behind one asynchronous interface: campaigns and
 * recipient rows (ingest, claims under leases, outcomes), delivery reports, Idempotency-Key
 * answers and the per-account limiter state. SQLite (one process per database, synchronous
 * inside) and PostgreSQL (any number of processes on one database) implement it; the same
 * test suite runs against both (test/dispatcher/store-drivers.ts).
 */
export interface Store {
  readonly driver: 'sqlite' | 'postgres';
  /** Random per database (after `init`): the prefix of every client key, so two databases never collide at a provider. */
  readonly instance: string;
  /** Creates the schema, loads the instance id and removes ingests a crash abandoned (never answered 2xx). */
  init(now: number): Promise<void>;
  /** Creates a campaign in state `ingesting`: invisible to the sender until committed. */
  beginCampaign(meta: CampaignMeta, now: number): Promise<number>;
  /** Inserts a batch in one transaction; resolves to how many were new (the rest were duplicates). */
  insertBatch(campaignId: number, rows: readonly IngestRow[], now: number): Promise<number>;
  /** Makes an ingested campaign visible to the sender, storing the Idempotency-Key answer in the same transaction. */
  commitCampaign(id: number, total: number, duplicates: number, now: number, idempotency?: IdempotencyEntry): Promise<void>;
  /** Removes a campaign that failed during ingest, rows and all. */
  abortCampaign(id: number): Promise<void>;
  /** Inserts one transactional message (its provider's tx campaign created on first use), or replays the key's answer. */
  insertMessage(input: MessageInput): Promise<MessageResult>;
  campaign(id: number): Promise<CampaignRow | undefined>;
  /** Committed campaigns of a provider that still have work, transactional first. */
  activeCampaigns(provider: string): Promise<CampaignRow[]>;
  /** Claims up to `limit` due rows under a lease ending at `until`, rows tried before first (see outbox.ts `claim`). */
  claim(campaign: number, now: number, until: number, owner: number, limit: number): Promise<ClaimedRow[]>;
  /** Extends the lease of rows this process still holds. */
  renew(ids: readonly number[], until: number, owner: number): Promise<void>;
  /**
   * Marks rows as handed to the provider: resolves, before the request may leave, to the ids
   * this owner still held (on PostgreSQL another process may have recovered a row whose lease
   * lapsed while it was queued here; such a row must not be sent twice unflagged).
   */
  markSending(ids: readonly number[], owner: number): Promise<readonly number[]>;
  /** Returns rows whose lease expired to the queue; rows that were in a request are flagged uncertain. */
  recoverExpired(campaign: number, now: number): Promise<number>;
  /** Writes a batch of outcomes in one transaction. */
  applyOutcomes(outcomes: readonly Outcome[]): Promise<void>;
  /**
   * Moves rows another channel must reach (Alimtalk 3019 -> SMS), in one transaction: each row is
   * failed with `error`, and its recipient is added (once: the fallback campaign dedupes on the
   * recipient) to the source campaign's fallback campaign on `target`, created on first use and
   * sending again if it had finished. Resolves to how many recipients were new there.
   */
  fallBack(source: CampaignRow, rows: readonly ClaimedRow[], target: FallbackTarget, error: string, now: number): Promise<number>;
  /** Rows still pending, leased or in flight, and the earliest `next_at` among them. */
  openWork(campaign: number): Promise<{ n: number; next: number | null }>;
  /**
   * Whether any row is still pending, leased or in flight: one index probe, not a count, since the
   * sender asks at every idle refill while up to 1,000,000 scheduled rows may wait.
   */
  hasOpenWork(campaign: number): Promise<boolean>;
  /** Pending rows not yet due at `now` (scheduled, or waiting out a retry's backoff). */
  scheduled(campaign: number, now: number): Promise<number>;
  /** Marks a campaign done. */
  finish(id: number, now: number): Promise<void>;
  counts(id: number): Promise<CampaignCounts>;
  /** Stores one delivery report (one transaction) before the endpoint answers. */
  storeReport(provider: string, report: DeliveryReport, now: number): Promise<ReportResult>;
  /** The stored answer of an Idempotency-Key. */
  idempotency(key: string): Promise<IdempotencyRecord | undefined>;
  /** The limiter of one provider account: per process on SQLite, shared by every process of the account on PostgreSQL. */
  createLimiter(options: Omit<LimiterOptions, 'store'> & { owner: number; onChange?: () => void; clock?: () => number }): PacingLimiter;
  /** Read-only inspection for tests and tools: `?` placeholders, rows as plain objects with numbers. */
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** True when the `db` setting names a PostgreSQL database rather than an SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** The client key of a row: the same on every attempt, and decodable back to the row. */
export function clientKeyOf(instance: string, rowId: number): string {
  return `${instance}-${rowId}`;
}

/** Decodes a client key issued by the database `instance`, or undefined when it is not ours. */
export function rowOfClientKey(instance: string, key: string): number | undefined {
  const dash = key.lastIndexOf('-');
  if (dash < 0 || key.slice(0, dash) !== instance) return undefined;
  const id = Number(key.slice(dash + 1));
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}
