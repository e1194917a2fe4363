import { setMaxListeners } from 'node:events';
import { Agent, request } from 'undici';
import type { Clock, Rng } from '../src/core/index.ts';
import type { CallbacksSpec } from './config.ts';
import { createLatency, type Sampler } from './latency.ts';

/** The JSON body of an Alimtalk delivery report (wire contract). */
export interface DeliveryReport {
  messageId: string;
  recipientNo: string;
  clientKey: string | null;
  /** `"1000"` = delivered, anything else a failure code. */
  resultCode: string;
  reportTime: string;
}

/** One POST of a report. */
export interface CallbackAttempt {
  messageId: string;
  attempt: number;
  /** Epoch ms when the attempt started. */
  t: number;
  /** HTTP status, or null on a network error. */
  status: number | null;
  error: string | null;
  ok: boolean;
  /** True for a deliberate duplicate (`duplicateRate`). */
  duplicate: boolean;
}

/** Counters for `ProviderStats.callbacks`. */
export interface CallbackCounters {
  /** Reports scheduled (each deliberate duplicate counts again). */
  sent: number;
  /** Reports that got a 2xx. */
  delivered: number;
  /** Reports given up after `maxAttempts`, or with no URL configured. */
  failed: number;
  attempts: number;
}

/**
 * Sends delivery reports: each after a delay drawn from the configured distribution,
 * retried on non-2xx or network failure with exponential backoff and full jitter (AWS
 * Architecture Blog, "Exponential Backoff and Jitter", 2015: sleep = random(0, base * 2^n)),
 * optionally duplicated or held back (reordered) on purpose. Every attempt is recorded.
 */
/**
 * Every pending report waits on this one signal (thousands at a time under load): lift Node's
 * 10-listener warning, which would otherwise report a leak that is not one.
 */
function unlimitedController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

export class CallbackSender {
  readonly counters: CallbackCounters = { sent: 0, delivered: 0, failed: 0, attempts: 0 };
  private attemptsLog: CallbackAttempt[] = [];
  private pending = 0;
  private idleWaiters: (() => void)[] = [];
  private abort = unlimitedController();
  private readonly agent: Agent;
  private delay: Sampler;
  /** Bumped by reset, so reports abandoned by it do not count after it. */
  private generation = 0;

  constructor(
    private spec: CallbacksSpec,
    private readonly clock: Clock,
    private readonly rng: Rng,
  ) {
    this.agent = new Agent({ connections: spec.concurrency, keepAliveTimeout: 10_000 });
    this.delay = createLatency(spec.delay, rng);
  }

  /** Decides a report's outcome now (so the ledger knows whether it was delivered). */
  outcome(): string {
    return this.spec.failureRate > 0 && this.rng.next() < this.spec.failureRate ? this.spec.failureCode : '1000';
  }

  /** Schedules a report; returns at once. */
  schedule(report: DeliveryReport): void {
    const copies = this.spec.duplicateRate > 0 && this.rng.next() < this.spec.duplicateRate ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      this.counters.sent++;
      this.pending++;
      void this.deliver(report, copy > 0).finally(() => this.settle());
    }
  }

  private settle(): void {
    this.pending--;
    if (this.pending === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Resolves when no report is waiting or in flight. */
  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Attempts, oldest first, paged. */
  attempts(offset = 0, limit = 100): { total: number; entries: CallbackAttempt[] } {
    return { total: this.attemptsLog.length, entries: this.attemptsLog.slice(offset, offset + limit) };
  }

  private record(attempt: CallbackAttempt): void {
    this.counters.attempts++;
    if (this.attemptsLog.length < this.spec.keep) this.attemptsLog.push(attempt);
  }

  private async deliver(report: DeliveryReport, duplicate: boolean): Promise<void> {
    const signal = this.abort.signal;
    const generation = this.generation;
    const url = this.spec.url;
    if (url === null) {
      this.counters.failed++;
      return;
    }
    try {
      let wait = this.delay();
      // A held-back report waits up to three more delays so later ones overtake it.
      if (this.spec.reorderRate > 0 && this.rng.next() < this.spec.reorderRate) wait += this.delay() * (1 + 2 * this.rng.next());
      await this.clock.sleep(wait, signal);
      for (let attempt = 1; ; attempt++) {
        const body = JSON.stringify({ ...report, reportTime: new Date(this.clock.now()).toISOString() });
        const t = this.clock.now();
        const result = await this.post(url, body, signal);
        if (generation !== this.generation) return;
        this.record({ messageId: report.messageId, attempt, t, ...result, duplicate });
        if (result.ok) {
          this.counters.delivered++;
          return;
        }
        if (attempt >= this.spec.maxAttempts || signal.aborted) break;
        await this.clock.sleep(this.rng.next() * this.spec.backoff * 2 ** (attempt - 1), signal);
      }
    } catch {
      // Aborted by close/reset: the report is abandoned.
    }
    if (generation === this.generation) this.counters.failed++;
  }

  private async post(
    url: string,
    body: string,
    signal: AbortSignal,
  ): Promise<{ status: number | null; error: string | null; ok: boolean }> {
    try {
      const response = await request(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
        dispatcher: this.agent,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.spec.timeout)]),
      });
      await response.body.dump();
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return { status: response.statusCode, error: null, ok };
    } catch (error) {
      return { status: null, error: (error as Error).message, ok: false };
    }
  }

  /** Applies a new configuration to reports scheduled from now on. */
  configure(spec: CallbacksSpec): void {
    this.spec = spec;
    this.delay = createLatency(spec.delay, this.rng);
  }

  /** Abandons every pending report and clears the counters. */
  reset(): void {
    this.generation++;
    this.abort.abort();
    this.abort = unlimitedController();
    this.counters.sent = this.counters.delivered = this.counters.failed = this.counters.attempts = 0;
    this.attemptsLog = [];
  }

  /** Stops sending and closes connections. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.idle();
    await this.agent.close();
  }
}
