/**
 * The delivery feed: every delivery a provider made, in order, numbered by a cursor, so a reader
 * (floodgate's campaign tracking) reads each delivery exactly once instead of asking about every
 * pending recipient on every poll. Tracking N recipients then costs O(N) in all, not O(N) a poll.
 *
 * Memory is bounded: the feed is a ring of `capacity` entries (recipient id and time). A reader
 * that falls more than `capacity` deliveries behind finds its cursor gone ({@link FeedPage.gone})
 * and must say so, never guess: the runner then marks the run INVALID. At 10,000 deliveries a
 * second and a poll a second, the default ring (262,144) leaves a reader 26 s of slack.
 */

/** One delivery: who received it and when (epoch ms, as the provider's clock saw it). */
export interface FeedEntry {
  recipient: string;
  at: number;
}

/** A page of the feed. */
export interface FeedPage {
  /** The cursor to ask for next (the sequence number after the last entry returned). */
  cursor: number;
  /** The feed's end when the page was read: `cursor === head` means the reader is caught up. */
  head: number;
  entries: FeedEntry[];
  /** The asked-for cursor was older than the oldest entry still held (the reader fell behind). */
  gone: boolean;
}

/** Default ring size, entries. */
export const FEED_CAPACITY = 262_144;

/** A ring buffer of deliveries with monotonically numbered entries. */
export class DeliveryFeed {
  private readonly recipients: (string | undefined)[];
  private readonly times: Float64Array;
  /** Sequence number of the next entry (= entries ever appended since the last clear). */
  private next = 0;

  constructor(readonly capacity = FEED_CAPACITY) {
    this.recipients = new Array(capacity);
    this.times = new Float64Array(capacity);
  }

  /** Entries appended since the last clear (the cursor just past the newest). */
  get head(): number {
    return this.next;
  }

  /** Appends a delivery. */
  push(recipient: string, at: number): void {
    const slot = this.next % this.capacity;
    this.recipients[slot] = recipient;
    this.times[slot] = at;
    this.next++;
  }

  /**
   * Entries from `after` (a cursor) up to `limit` of them, and not past `until` when given (so a
   * reader can stop exactly where a stats snapshot was taken).
   */
  read(after: number, limit: number, until = Number.POSITIVE_INFINITY): FeedPage {
    const oldest = Math.max(0, this.next - this.capacity);
    const end = Math.min(this.next, until, after + limit);
    if (after < oldest) return { cursor: after, head: this.next, entries: [], gone: true };
    const entries: FeedEntry[] = [];
    for (let seq = after; seq < end; seq++) {
      const slot = seq % this.capacity;
      entries.push({ recipient: this.recipients[slot] as string, at: this.times[slot] as number });
    }
    return { cursor: Math.max(after, end), head: this.next, entries, gone: false };
  }

  /** Forgets every entry; cursors restart at 0. */
  clear(): void {
    this.recipients.fill(undefined);
    this.next = 0;
  }
}
