import { type Clock, InputError, PROVIDERS, type ProviderStats, parseConfigObject, type Rng } from '../src/core/index.ts';
import { CallbackSender } from './callbacks.ts';
import { DEFAULTS, ProviderConfig } from './config.ts';
import { FaultPlan } from './faults.ts';
import { DeliveryFeed } from './feed.ts';
import { Journal, type JournalEntry } from './journal.ts';
import { MOCK_KINDS } from './kinds/index.ts';
import { createLatency, type Sampler } from './latency.ts';
import { DuplicateLedger } from './ledger.ts';
import { acquire, type LimitDecision, type Limiter } from './limiters.ts';
import type { MockMetrics, ProviderMetrics } from './metrics.ts';
import { MeasurementRecorder } from './recorder.ts';

/** Builds the limiter a provider config describes, in the provider's own shape (its kind's module). */
export function buildLimiter(config: ProviderConfig): Limiter {
  return (MOCK_KINDS[config.kind].limiter as (c: ProviderConfig) => Limiter)(config);
}

/** An admission: the limiter's decision plus any extra wait (brownout queueing). */
export interface Admission extends LimitDecision {
  /** Extra delay before answering, ms (brownout only). */
  queueMs: number;
}

/**
 * One provider's state: enforcement (limiter), measurement (recorder), the duplicate
 * ledger, faults, latency, journal, delivery reports. The plugins hold the wire shapes;
 * this holds everything they share. Time comes from the injected clock.
 */
export class ProviderRuntime {
  config: ProviderConfig;
  url = '';
  limiter: Limiter;
  readonly recorder: MeasurementRecorder;
  /**
   * Recipient x content, whatever the client key: THE definition of a duplicate, shared by the
   * built-in check, the campaign figures and the reports. A user who got the same message twice got
   * a duplicate, whether the sender reused its key, chose a new one per attempt, or sent none.
   */
  readonly ledger = new DuplicateLedger();
  /** Per recipient, whatever the content: deliveries per recipient, and `/lookup`. */
  readonly recipients = new DuplicateLedger(1024, { timestamps: true });
  /** Every delivery in order, for readers that follow it by cursor (`/__mock/<name>/deliveries`). */
  readonly feed = new DeliveryFeed();
  /** Sends the provider suppressed because their client key was already accepted (`dedupe: true`): the sender retrying right. */
  deduplicated = 0;
  journal: Journal;
  faults: FaultPlan;
  latency: Sampler;
  readonly callbacks: CallbackSender | null;
  start: number;
  private readonly metrics: ProviderMetrics;
  private readonly clientKeys = new Map<string, { id: string; t: number }>();
  private readonly idempotencyKeys = new Map<string, number>();
  private brownoutFreeAt = 0;
  private seq = 0;

  constructor(
    readonly name: string,
    config: ProviderConfig,
    readonly clock: Clock,
    private readonly rng: Rng,
    metrics: MockMetrics,
  ) {
    this.config = config;
    this.start = clock.now();
    this.limiter = buildLimiter(config);
    this.recorder = new MeasurementRecorder(this.start);
    this.journal = new Journal(config.journal);
    this.faults = new FaultPlan(config.faults, rng);
    this.latency = createLatency(config.latency, rng);
    this.callbacks = 'callbacks' in config ? new CallbackSender(config.callbacks, clock, rng) : null;
    this.metrics = metrics.forProvider(name);
  }

  /** Milliseconds since the start (listen or reset), for fault windows. */
  elapsed(): number {
    return this.clock.now() - this.start;
  }

  /** A new id, unique within this mock: provider name, a counter, and a random tail. */
  newId(): string {
    this.seq++;
    return `${this.name}-${this.seq.toString(36)}-${Math.floor(this.rng.next() * 0x100000).toString(36)}`;
  }

  /**
   * Asks the limiter for `units` and records the answer. In the broker's `brownout` mode
   * everything is admitted, but served by a virtual queue drained at the limit, so the
   * wait grows with the excess until clients time out (story 3's callback server).
   */
  admit(units: number): Admission {
    const now = this.clock.now();
    const config = this.config;
    if ('overLimit' in config && config.overLimit === 'brownout' && config.tps !== null) {
      const startAt = Math.max(now, this.brownoutFreeAt);
      // Each unit takes 1/tps s of the queue's service time (M/D/1-style server at the limit).
      this.brownoutFreeAt = startAt + (units / config.tps) * 1000;
      this.recorder.admit(units, now);
      this.metrics.admitted(units);
      return { ...this.limiter.check(0, now), admitted: true, reason: null, retryAfterMs: 0, queueMs: startAt - now };
    }
    const decision = acquire(this.limiter, units, now);
    if (decision.admitted) {
      this.recorder.admit(units, now);
      this.metrics.admitted(units);
    } else {
      this.recorder.reject(units, now);
      this.metrics.rejected(units);
    }
    // Extended in place rather than copied: this runs on every request.
    (decision as Admission).queueMs = 0;
    return decision as Admission;
  }

  /** The limiter's view now, without taking anything (for SendGrid's headers). */
  peek(): LimitDecision {
    return this.limiter.check(0, this.clock.now());
  }

  /** With `dedupe: true`, the id under which `clientKey` was accepted within `dedupeWindow`. */
  acceptedBefore(clientKey: string | null): string | undefined {
    if (!this.config.dedupe || clientKey === null) return undefined;
    const seen = this.clientKeys.get(clientKey);
    if (!seen) return undefined;
    if (this.clock.now() - seen.t > this.config.dedupeWindow) {
      this.clientKeys.delete(clientKey);
      return undefined;
    }
    return seen.id;
  }

  /** What the provider saw of each recipient: accepted, delivered, first delivery (epoch ms). */
  lookup(recipients: readonly string[]): { recipient: string; accepted: number; delivered: number; firstDeliveredAt: number | null }[] {
    return recipients.map((recipient) => {
      const entry = this.recipients.lookup(recipient, '', null);
      const first = entry.firstDeliveredAt ?? null;
      return {
        recipient,
        accepted: entry.accepted,
        delivered: entry.delivered,
        firstDeliveredAt: first === null ? null : this.start + first,
      };
    });
  }

  /**
   * Records one accepted unit: in the ledger (recipient x content), the per-recipient index, the
   * delivery feed when delivered, and the dedupe index. A unit whose client key was accepted before
   * (the plugin found it with {@link acceptedBefore} and passes `delivered: false`) counts as
   * deduplicated, not as a delivery.
   */
  record(recipient: string, content: string, clientKey: string | null, id: string, delivered: boolean): void {
    const repeat = this.config.dedupe && clientKey !== null && this.clientKeys.has(clientKey);
    if (repeat) this.deduplicated++;
    const entry = this.ledger.record(recipient, content, null, delivered);
    this.recipients.record(recipient, '', null, delivered, this.elapsed());
    if (delivered) {
      this.metrics.delivered(1);
      this.feed.push(recipient, this.clock.now());
      if (entry.delivered > 1) this.metrics.duplicate(1);
    }
    if (this.config.dedupe && clientKey !== null && !repeat) {
      this.clientKeys.set(clientKey, { id, t: this.clock.now() });
      if (this.clientKeys.size % 100_000 === 0) this.prune(this.clientKeys, (v) => v.t, this.config.dedupeWindow);
    }
  }

  /** The broker's idempotency header: true when `key` was seen within the window (then nothing is sent). */
  seenIdempotencyKey(key: string): boolean {
    const t = this.idempotencyKeys.get(key);
    return t !== undefined && this.clock.now() - t <= this.idempotencyWindow();
  }

  rememberIdempotencyKey(key: string): void {
    this.idempotencyKeys.set(key, this.clock.now());
    if (this.idempotencyKeys.size % 100_000 === 0) this.prune(this.idempotencyKeys, (t) => t, this.idempotencyWindow());
  }

  /** The idempotency-header window of kinds that have one (the broker's), else the shared default. */
  private idempotencyWindow(): number {
    return 'idempotencyWindow' in this.config ? this.config.idempotencyWindow : DEFAULTS.idempotencyWindow;
  }

  private prune<V>(map: Map<string, V>, timeOf: (v: V) => number, windowMs: number): void {
    const cutoff = this.clock.now() - windowMs;
    for (const [key, value] of map) if (timeOf(value) < cutoff) map.delete(key);
  }

  /** Notes a finished request in the journal and metrics. */
  log(entry: Omit<JournalEntry, 'seq' | 't'>): void {
    this.metrics.request(entry.status);
    this.journal.add(this.clock.now(), entry.status, entry.units, entry.outcome, entry.recipient, entry.id);
  }

  /** Waits the configured latency plus `extraMs` (skipped entirely when both are 0). */
  async wait(extraMs = 0): Promise<void> {
    const ms = this.latency() + extraMs;
    if (ms > 0) await this.clock.sleep(ms);
  }

  /**
   * The config that replacing top-level keys with `partial` would give (a key given replaces that
   * key whole), validated; throws InputError listing every problem, and changes nothing.
   */
  checkConfig(partial: Record<string, unknown>): ProviderConfig {
    const next = parseConfigObject(ProviderConfig, { ...this.config, ...partial }, `${this.name}: config rejected`);
    if (next.kind !== this.config.kind) {
      throw new InputError('FG_CONFIG_INVALID', `${this.name}: kind cannot change at run time (${this.config.kind} -> ${next.kind})`, {
        issues: [{ path: ['kind'], message: `this provider is a ${this.config.kind} mock, not ${next.kind}` }],
      });
    }
    return next;
  }

  /**
   * Replaces top-level keys of the config (a key given replaces that key whole), validates,
   * and applies at once. Limiter state restarts only when a limit field changed.
   */
  reconfigure(partial: Record<string, unknown>): ProviderConfig {
    const next = this.checkConfig(partial);
    const limitKeys: readonly string[] = MOCK_KINDS[next.kind].limitKeys;
    const changed = limitKeys.some((k) => (next as Record<string, unknown>)[k] !== (this.config as Record<string, unknown>)[k]);
    if (changed) this.limiter = buildLimiter(next);
    this.faults = new FaultPlan(next.faults, this.rng);
    this.latency = createLatency(next.latency, this.rng);
    if (next.journal !== this.config.journal) this.journal = new Journal(next.journal);
    if ('callbacks' in next) this.callbacks?.configure(next.callbacks);
    this.config = Object.freeze(next);
    return next;
  }

  /** Forgets every count, ledger entry, journal entry and pending report; time restarts now. */
  reset(): void {
    this.start = this.clock.now();
    this.limiter = buildLimiter(this.config);
    this.recorder.reset(this.start);
    this.ledger.clear();
    this.recipients.clear();
    this.journal.clear();
    this.clientKeys.clear();
    this.idempotencyKeys.clear();
    this.feed.clear();
    this.deduplicated = 0;
    this.brownoutFreeAt = 0;
    this.callbacks?.reset();
  }

  /** What this provider saw, as `ProviderStats` in src/core/result.ts. */
  stats(): ProviderStats {
    const summary = this.ledger.summary();
    const offenders = this.ledger
      .offenderList(1000)
      .filter((o) => o.delivered > 1)
      .slice(0, 100)
      .map((o) => ({ recipient: o.recipient, count: o.delivered }));
    return {
      kind: this.config.kind,
      limitPerSecond: this.config.tps,
      unit: PROVIDERS[this.config.kind].unit,
      admitted: this.recorder.admitted,
      rejected: this.recorder.rejected,
      maxPerSecondWindow: this.recorder.maxPerSecondWindow,
      maxPerMinuteWindow: this.recorder.maxPerMinuteWindow,
      perSecond: this.recorder.perSecond(),
      duplicates: summary.duplicates,
      duplicateDeliveries: summary.duplicateDeliveries,
      deduplicated: this.deduplicated,
      // Counted per recipient (whatever the content), so the keys add up to the recipients reached.
      deliveriesPerRecipient: this.recipients.summary().deliveriesPerRecipient,
      delivered: this.feed.head,
      offenders,
      callbacks: this.callbacks ? { ...this.callbacks.counters } : null,
    };
  }
}
