import type { IngestRow } from '../store/outbox.ts';
import type { Store } from '../store/store.ts';
import { IngestError } from './sources.ts';

/** What an ingest did. */
export interface IngestCount {
  total: number;
  accepted: number;
  duplicates: number;
}

/**
 * Streams rows into a campaign in transactions of `batchSize`, yielding to the event loop
 * between batches so the sender and the API keep running. Memory holds one batch at most.
 * Throws (leaving cleanup to the caller) on bad input or an empty list.
 */
export async function ingestRows(
  store: Store,
  campaignId: number,
  rows: Iterable<IngestRow> | AsyncIterable<IngestRow>,
  batchSize: number,
  now: () => number,
): Promise<IngestCount> {
  let batch: IngestRow[] = [];
  let total = 0;
  let accepted = 0;
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= batchSize) {
      accepted += await store.insertBatch(campaignId, batch, now());
      total += batch.length;
      batch = [];
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  if (batch.length > 0) {
    accepted += await store.insertBatch(campaignId, batch, now());
    total += batch.length;
  }
  if (total === 0) throw new IngestError('recipients: the list is empty');
  return { total, accepted, duplicates: total - accepted };
}
