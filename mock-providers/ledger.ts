/**
 * The duplicate ledger: for every recipient x content (x client key), how many times the
 * provider accepted it and how many times it was delivered, kept apart (a deduplicated
 * repeat is accepted but not delivered again).
 *
 * Memory: keys are never stored. Each key is hashed to 64 bits (two 32-bit lanes, cyrb53's
 * mixing by bryc, public domain, kept at full 64 bits) and held in an open-addressing table
 * of typed arrays: 16 bytes a slot, at most 75% full before doubling, so 21-43 bytes per
 * key. With 64-bit hashes two of 1,000,000 keys collide with probability about
 * n^2 / 2^65 = 2.7e-8 (the birthday bound). Only offenders (keys accepted twice or more)
 * keep their recipient as a string, for the report.
 */

/** The two lanes of the last {@link hashInto}: module scratch, so the hot path allocates nothing. */
const lanes = new Uint32Array(2);

/** Hashes the parts of a key (separated, so `ab`+`c` differs from `a`+`bc`) to two 32-bit lanes. */
export function hashKey(parts: readonly (string | null)[]): [number, number] {
  hashInto(parts[0] ?? null, parts[1] ?? null, parts[2] ?? null);
  return [lanes[0] as number, lanes[1] as number];
}

function hashInto(a: string | null, b: string | null, c: string | null): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let p = 0; p < 3; p++) {
    const part = p === 0 ? a : p === 1 ? b : c;
    if (part !== null) {
      for (let i = 0; i < part.length; i++) {
        const ch = part.charCodeAt(i);
        h1 = Math.imul(h1 ^ ch, 2654435761);
        h2 = Math.imul(h2 ^ ch, 1597334677);
      }
    }
    // Separator: 0 after a present part, 1 after an absent one (so null differs from '').
    const sep = part === null ? 1 : 0;
    h1 = Math.imul(h1 ^ sep, 2654435761);
    h2 = Math.imul(h2 ^ (sep + 0x10000), 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  lanes[0] = h1;
  lanes[1] = h2;
}

/** One recipient that got the same content more than once. */
export interface Offender {
  recipient: string;
  accepted: number;
  delivered: number;
}

/** What {@link DuplicateLedger.record} saw for a key after this record. */
export interface LedgerEntry {
  accepted: number;
  delivered: number;
  /** With timestamps on: ms offset of the first delivery (as passed to `record`), or null. */
  firstDeliveredAt?: number | null;
}

/** Summary of a ledger for `ProviderStats`. */
export interface LedgerSummary {
  keys: number;
  /** Keys delivered more than once. */
  duplicates: number;
  /** Deliveries beyond the first, summed. */
  duplicateDeliveries: number;
  /** Keys accepted more than once (deduplicated or not). */
  acceptedTwice: number;
  /** Keys by delivered count: `{ "1": 41990, "2": 10 }` (keys accepted but never delivered under "0"). */
  deliveriesPerRecipient: Record<string, number>;
}

const MAX_LOAD = 0.75;
const MAX_OFFENDERS = 100_000;

/** The ledger: a 64-bit-keyed open-addressing table over typed arrays. */
export class DuplicateLedger {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private acceptedCounts: Uint32Array;
  private deliveredCounts: Uint32Array;
  /** With timestamps on: first delivery offset + 1 (0 = none), 4 bytes a slot; offsets up to 49 days. */
  private firstAt: Uint32Array | null;
  private mask: number;
  private size = 0;
  /** hash (53 bits as a number) -> recipient, for keys accepted twice or more. */
  private readonly offenders = new Map<number, string>();

  /**
   * @param options.timestamps keep each key's first delivery time too (the per-recipient index
   *   the runner reconciles campaigns against: when 50/95/100% of a campaign arrived).
   */
  constructor(initialCapacity = 1024, options: { timestamps?: boolean } = {}) {
    const capacity = 2 ** Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.acceptedCounts = new Uint32Array(capacity);
    this.deliveredCounts = new Uint32Array(capacity);
    this.firstAt = options.timestamps ? new Uint32Array(capacity) : null;
    this.mask = capacity - 1;
  }

  /** Number of distinct keys. */
  get keys(): number {
    return this.size;
  }

  /** Bytes held by the table (its typed arrays), for the memory budget. */
  get bytes(): number {
    const times = this.firstAt?.byteLength ?? 0;
    return this.hi.byteLength + this.lo.byteLength + this.acceptedCounts.byteLength + this.deliveredCounts.byteLength + times;
  }

  /** Forgets everything (keeps the current capacity). */
  clear(): void {
    this.hi.fill(0);
    this.lo.fill(0);
    this.acceptedCounts.fill(0);
    this.deliveredCounts.fill(0);
    this.firstAt?.fill(0);
    this.size = 0;
    this.offenders.clear();
  }

  /** Finds the slot of a hash, or the empty slot where it would go. A slot is empty when accepted is 0. */
  private slotOf(h1: number, h2: number): number {
    let i = h2 & this.mask;
    for (;;) {
      if (this.acceptedCounts[i] === 0) return i;
      if (this.hi[i] === h1 && this.lo[i] === h2) return i;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const { hi, lo, acceptedCounts, deliveredCounts, firstAt } = this;
    const capacity = hi.length * 2;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.acceptedCounts = new Uint32Array(capacity);
    this.deliveredCounts = new Uint32Array(capacity);
    this.firstAt = firstAt ? new Uint32Array(capacity) : null;
    this.mask = capacity - 1;
    for (let j = 0; j < hi.length; j++) {
      if (acceptedCounts[j] === 0) continue;
      const i = this.slotOf(hi[j] as number, lo[j] as number);
      this.hi[i] = hi[j] as number;
      this.lo[i] = lo[j] as number;
      this.acceptedCounts[i] = acceptedCounts[j] as number;
      this.deliveredCounts[i] = deliveredCounts[j] as number;
      if (firstAt && this.firstAt) this.firstAt[i] = firstAt[j] as number;
    }
  }

  /**
   * Records one acceptance of `recipient` x `content` (x `clientKey`), delivered or not
   * (a deduplicated repeat, a failed delivery report). Returns the counts after it.
   */
  record(recipient: string, content: string, clientKey: string | null, delivered: boolean, at = 0): LedgerEntry {
    hashInto(recipient, content, clientKey);
    const h1 = lanes[0] as number;
    const h2 = lanes[1] as number;
    let i = this.slotOf(h1, h2);
    if (this.acceptedCounts[i] === 0) {
      if ((this.size + 1) / this.hi.length > MAX_LOAD) {
        this.grow();
        i = this.slotOf(h1, h2);
      }
      this.hi[i] = h1;
      this.lo[i] = h2;
      this.size++;
    }
    const accepted = (this.acceptedCounts[i] as number) + 1;
    this.acceptedCounts[i] = accepted;
    if (delivered) {
      this.deliveredCounts[i] = (this.deliveredCounts[i] as number) + 1;
      if (this.firstAt && this.firstAt[i] === 0) this.firstAt[i] = Math.max(0, Math.round(at)) + 1;
    }
    if (accepted === 2 && this.offenders.size < MAX_OFFENDERS) this.offenders.set((h1 & 0x1fffff) * 2 ** 32 + h2, recipient);
    return { accepted, delivered: this.deliveredCounts[i] as number };
  }

  /** The counts of a key, or zeros when never seen. */
  lookup(recipient: string, content: string, clientKey: string | null): LedgerEntry {
    hashInto(recipient, content, clientKey);
    const i = this.slotOf(lanes[0] as number, lanes[1] as number);
    const entry: LedgerEntry = { accepted: this.acceptedCounts[i] as number, delivered: this.deliveredCounts[i] as number };
    if (this.firstAt) entry.firstDeliveredAt = this.firstAt[i] ? (this.firstAt[i] as number) - 1 : null;
    return entry;
  }

  /** Scans the table once. */
  summary(): LedgerSummary {
    const perCount: Record<string, number> = {};
    let duplicates = 0;
    let duplicateDeliveries = 0;
    let acceptedTwice = 0;
    for (let i = 0; i < this.acceptedCounts.length; i++) {
      const accepted = this.acceptedCounts[i] as number;
      if (accepted === 0) continue;
      const delivered = this.deliveredCounts[i] as number;
      perCount[delivered] = (perCount[delivered] ?? 0) + 1;
      if (accepted > 1) acceptedTwice++;
      if (delivered > 1) {
        duplicates++;
        duplicateDeliveries += delivered - 1;
      }
    }
    return { keys: this.size, duplicates, duplicateDeliveries, acceptedTwice, deliveriesPerRecipient: perCount };
  }

  /** Keys accepted more than once, most deliveries (then acceptances) first. */
  offenderList(limit = 100): Offender[] {
    const out: Offender[] = [];
    for (const [packed, recipient] of this.offenders) {
      const h2 = packed % 2 ** 32;
      const h1low = Math.floor(packed / 2 ** 32);
      // Find the slot whose low 21 bits of hi and full lo match (as stored in the map key).
      let i = h2 & this.mask;
      while (this.acceptedCounts[i] !== 0) {
        if (this.lo[i] === h2 && ((this.hi[i] as number) & 0x1fffff) === h1low) {
          out.push({ recipient, accepted: this.acceptedCounts[i] as number, delivered: this.deliveredCounts[i] as number });
          break;
        }
        i = (i + 1) & this.mask;
      }
    }
    out.sort((a, b) => b.delivered - a.delivered || b.accepted - a.accepted || a.recipient.localeCompare(b.recipient));
    return out.slice(0, limit);
  }
}
