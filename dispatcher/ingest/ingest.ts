import type { IngestRow, Outbox } from '../store/outbox.ts';
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
  outbox: Outbox,
  campaignId: number,
  rows: Iterable<IngestRow> | AsyncIterable<IngestRow>,
  batchSize: number,
): Promise<IngestCount> {
  let batch: IngestRow[] = [];
  let total = 0;
  let accepted = 0;
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= batchSize) {
      accepted += outbox.insertBatch(campaignId, batch);
      total += batch.length;
      batch = [];
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  if (batch.length > 0) {
    accepted += outbox.insertBatch(campaignId, batch);
    total += batch.length;
  }
  if (total === 0) throw new IngestError('recipients: the list is empty');
  return { total, accepted, duplicates: total - accepted };
}
