/** One request as the mock saw it. */
export interface JournalEntry {
  /** Sequence number since the start (never reused, survives wrap-around of the ring). */
  seq: number;
  /** Epoch ms. */
  t: number;
  status: number;
  /** Units the request carried in the provider's unit. */
  units: number;
  /** What happened: `accepted`, `over-limit`, `bad-request`, `fault:<action>`, ... */
  outcome: string;
  /** Up to the first 3 recipients. */
  recipients: string[];
  id: string | null;
}

/** A bounded journal: the last `capacity` entries in a ring, read in pages by sequence number. */
export class Journal {
  private readonly ring: (JournalEntry | undefined)[];
  private next = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array(Math.max(1, capacity));
  }

  /** Appends an entry (its `seq` is assigned here). */
  add(entry: Omit<JournalEntry, 'seq'>): void {
    if (this.capacity <= 0) return;
    const seq = this.next++;
    this.ring[seq % this.ring.length] = { seq, ...entry };
  }

  /** Total entries ever added. */
  get total(): number {
    return this.next;
  }

  /** Entries with `seq` in [offset, offset + limit) that are still held. */
  page(offset: number, limit: number): { total: number; first: number; entries: JournalEntry[] } {
    const first = Math.max(0, this.next - this.ring.length);
    const from = Math.max(offset, first);
    const to = Math.min(this.next, offset + limit);
    const entries: JournalEntry[] = [];
    for (let seq = from; seq < to; seq++) {
      const entry = this.ring[seq % this.ring.length];
      if (entry) entries.push(entry);
    }
    return { total: this.next, first, entries };
  }

  clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
  }
}
