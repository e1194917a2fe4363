/** One request as the mock saw it. */
export interface JournalEntry {
  /** Sequence number since the start (never reused, survives wrap-around of the ring). */
  seq: number;
  /** Epoch ms. */
  t: number;
  /** HTTP status (0 when a fault reset or hung the connection). */
  status: number;
  /** Units the request carried in the provider's unit. */
  units: number;
  /** What happened: `accepted`, `over-limit`, `bad-request`, `fault:<action>`, ... */
  outcome: string;
  /** The first recipient, when the request was parsed far enough to know it. */
  recipient: string | null;
  id: string | null;
}

/**
 * A bounded journal: the last `capacity` entries in a ring, read in pages by sequence
 * number. Stored as columns (typed arrays plus two string columns) rather than an object
 * per request: objects that live for 10,000 requests get promoted and cost old-generation
 * GC under load, which showed in the throughput benchmark.
 */
export class Journal {
  private readonly size: number;
  private readonly times: Float64Array;
  private readonly statuses: Uint16Array;
  private readonly units: Uint32Array;
  private readonly outcomes: Uint8Array;
  private readonly recipients: (string | null)[];
  private readonly ids: (string | null)[];
  private readonly outcomeNames: string[] = [];
  private readonly outcomeCodes = new Map<string, number>();
  private next = 0;

  constructor(readonly capacity: number) {
    this.size = Math.max(1, capacity);
    this.times = new Float64Array(this.size);
    this.statuses = new Uint16Array(this.size);
    this.units = new Uint32Array(this.size);
    this.outcomes = new Uint8Array(this.size);
    this.recipients = new Array(this.size).fill(null);
    this.ids = new Array(this.size).fill(null);
  }

  private code(outcome: string): number {
    let code = this.outcomeCodes.get(outcome);
    if (code === undefined) {
      code = this.outcomeNames.length;
      this.outcomeNames.push(outcome);
      this.outcomeCodes.set(outcome, code);
    }
    return code;
  }

  /** Appends an entry (its `seq` is assigned here). */
  add(t: number, status: number, units: number, outcome: string, recipient: string | null, id: string | null): void {
    if (this.capacity <= 0) return;
    const i = this.next++ % this.size;
    this.times[i] = t;
    this.statuses[i] = status;
    this.units[i] = units;
    this.outcomes[i] = this.code(outcome);
    this.recipients[i] = recipient;
    this.ids[i] = id;
  }

  /** Total entries ever added. */
  get total(): number {
    return this.next;
  }

  /** Entries with `seq` in [offset, offset + limit) that are still held. */
  page(offset: number, limit: number): { total: number; first: number; entries: JournalEntry[] } {
    const held = this.capacity <= 0 ? 0 : this.size;
    const first = Math.max(0, this.next - held);
    const from = Math.max(offset, first);
    const to = Math.min(this.next, offset + limit);
    const entries: JournalEntry[] = [];
    for (let seq = from; seq < to; seq++) {
      const i = seq % this.size;
      entries.push({
        seq,
        t: this.times[i] as number,
        status: this.statuses[i] as number,
        units: this.units[i] as number,
        outcome: this.outcomeNames[this.outcomes[i] as number] as string,
        recipient: this.recipients[i] ?? null,
        id: this.ids[i] ?? null,
      });
    }
    return { total: this.next, first, entries };
  }

  clear(): void {
    this.recipients.fill(null);
    this.ids.fill(null);
    this.next = 0;
  }
}
