import type { DeliveryPage } from './mock-session.ts';

/** Reads a provider's delivery feed (the run-scoped `MockSession.deliveries`). */
export type FeedReader = (after: number, until?: number) => Promise<DeliveryPage>;

/**
 * Maps a recipient id back to its index in a campaign, from the campaign's pattern (`{n}` 0-based,
 * `{n:W}` zero-padded, `{seq}` 1-based, as `expandRecipients` makes them): -1 when the id is not
 * one of the campaign's `count` recipients. O(1) memory, so a 1,000,000-recipient campaign needs
 * no table of its ids.
 */
export function createRecipientMatcher(pattern: string, count: number): (recipient: string) => number {
  const parts = pattern.split(/(\{n(?::\d+)?\}|\{seq\})/);
  const placeholders = parts.filter((_, i) => i % 2 === 1);
  const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (placeholders.length === 0) {
    // Every recipient has the same id: only a one-recipient campaign can be told apart.
    return (r) => (r === pattern && count > 0 ? 0 : -1);
  }
  const source = parts.map((p, i) => (i % 2 === 1 ? '(\\d+)' : escapeRe(p))).join('');
  const re = new RegExp(`^${source}$`);
  return (recipient) => {
    const m = re.exec(recipient);
    if (!m) return -1;
    let index = -1;
    for (let k = 0; k < placeholders.length; k++) {
      const ph = placeholders[k] as string;
      const digits = m[k + 1] as string;
      const value = Number(digits);
      const i = ph === '{seq}' ? value - 1 : value;
      const width = ph.startsWith('{n:') ? Number(ph.slice(3, -1)) : 0;
      // The canonical spelling only: `007` is not `{n}` = 7, and `{n:8}` must be padded exactly.
      const canonical = ph === '{seq}' || ph === '{n}' ? String(value) : String(value).padStart(width, '0');
      if (digits !== canonical || !Number.isSafeInteger(i) || i < 0 || i >= count || (index !== -1 && i !== index)) return -1;
      index = i;
    }
    return index;
  };
}

/**
 * One campaign's view of its provider's deliveries: per recipient, how many deliveries and when
 * the first arrived. Typed arrays indexed by recipient: 12 bytes a recipient.
 */
export class CampaignTrack {
  readonly counts: Uint32Array;
  readonly firstAt: Float64Array;
  /** Per recipient, which feeds delivered it: bit 1 the campaign's provider, bit 2 its fallback (allocated only with one). */
  sources: Uint8Array | null = null;
  /** Recipients with at least one delivery. */
  reached = 0;
  /** Recipients with more than one delivery, kept as deliveries arrive (read every poll under --fail-fast). */
  private twice = 0;
  readonly match: (recipient: string) => number;

  constructor(
    readonly name: string,
    pattern: string,
    readonly count: number,
  ) {
    this.counts = new Uint32Array(count);
    this.firstAt = new Float64Array(count);
    this.match = createRecipientMatcher(pattern, count);
  }

  /** Counts one delivery of recipient `index` at `at` (epoch ms), from the provider's feed (1) or the fallback's (2). */
  add(index: number, at: number, source: 1 | 2 = 1): void {
    if (this.sources) this.sources[index] = (this.sources[index] as number) | source;
    const n = (this.counts[index] as number) + 1;
    this.counts[index] = n;
    if (n === 1) {
      this.firstAt[index] = at;
      this.reached++;
    } else if (n === 2) this.twice++;
  }

  /** Recipients delivered more than once: floodgate's one definition of a duplicate (same recipient, same campaign's message). */
  duplicated(): number {
    return this.twice;
  }

  /** With a fallback: recipients the fallback reached, and those that got both (duplicates). */
  fallbackCounts(): { delivered: number; both: number } {
    let delivered = 0;
    let both = 0;
    for (const s of this.sources ?? []) {
      if (s & 2) delivered++;
      if (s === 3) both++;
    }
    return { delivered, both };
  }

  /** The first `limit` recipient indexes below `below` with no delivery (the lost ones, to name a few). */
  missing(below: number, limit: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < Math.min(below, this.count) && out.length < limit; i++) if (this.counts[i] === 0) out.push(i);
    return out;
  }

  /** First-delivery times (epoch ms) of the reached recipients, ascending. */
  firstTimes(): Float64Array {
    const out = new Float64Array(this.reached);
    let k = 0;
    for (let i = 0; i < this.count; i++) if ((this.counts[i] as number) > 0) out[k++] = this.firstAt[i] as number;
    return out.sort();
  }
}

/**
 * Follows one provider's delivery feed by cursor and hands each delivery to the campaign whose
 * recipient it is: each delivery is read once, so tracking costs O(deliveries) in all, whatever the
 * number of polls (re-asking about every pending recipient each poll was O(N) a poll, O(N^2) in all).
 * Polls are serialised. A read error is kept (the run's figures are then unverified).
 */
export class ProviderTracker {
  private cursor = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly tracks: { track: CampaignTrack; source: 1 | 2 }[] = [];
  /** Deliveries read so far. */
  read = 0;
  /** Deliveries to recipients of no tracked campaign (e.g. an HTTP phase's messages). */
  unmatched = 0;
  /** Why the feed could not be read, once it could not. */
  error: string | null = null;

  constructor(
    readonly provider: string,
    private readonly reader: FeedReader,
  ) {}

  /** Registers a campaign before it starts, so no early delivery is missed. */
  track(name: string, pattern: string, count: number): CampaignTrack {
    const t = new CampaignTrack(name, pattern, count);
    this.tracks.push({ track: t, source: 1 });
    return t;
  }

  /**
   * Follows another provider's campaign on this feed as its fallback (SMS for recipients who are not
   * KakaoTalk users): a delivery here counts for that campaign's recipient like one on its own feed,
   * so a recipient reached by both is delivered twice, a duplicate.
   */
  adoptAsFallback(track: CampaignTrack): void {
    track.sources ??= new Uint8Array(track.count);
    this.tracks.push({ track, source: 2 });
  }

  /** Reads the feed until caught up (or up to `until`); polls run one after another; never rejects. */
  poll(until?: number): Promise<void> {
    this.chain = this.chain.then(() => this.readAll(until));
    return this.chain;
  }

  private async readAll(until?: number): Promise<void> {
    if (this.error) return;
    try {
      for (;;) {
        if (until !== undefined && this.cursor >= until) return;
        const page = await this.reader(this.cursor, until);
        for (const e of page.entries) this.dispatch(e.recipient, e.at);
        const progressed = page.cursor > this.cursor;
        this.cursor = page.cursor;
        if (!progressed || page.cursor >= page.head) return;
      }
    } catch (error) {
      this.error = `the delivery feed of ${this.provider} could not be read: ${(error as Error).message}`;
    }
  }

  private dispatch(recipient: string, at: number): void {
    this.read++;
    for (const { track, source } of this.tracks) {
      const i = track.match(recipient);
      if (i >= 0) {
        track.add(i, at, source);
        return;
      }
    }
    this.unmatched++;
  }
}
