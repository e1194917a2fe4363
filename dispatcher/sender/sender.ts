import type { Clock, Rng } from '../../src/core/index.ts';
import type { DispatcherConfig, ProviderConfig } from '../config.ts';
import { createProviderClient, type ProviderClient, renderContent, type SendUnit, type UnitResult } from '../providers/index.ts';
import { type Db, toClientKey } from '../store/db.ts';
import type { CampaignRow, ClaimedRow, Outbox, Outcome } from '../store/outbox.ts';
import { TX_TO_PARAM } from '../store/outbox.ts';
import { createLimiterStore } from '../store/reports.ts';
import { backoffMs } from './backoff.ts';
import { createLimiter } from './limiter.ts';
import { createRateMeter } from './rate-meter.ts';

/** Counters the metrics endpoint reads. */
export interface SenderCounters {
  sent: number;
  failed: number;
  retried: number;
  rejected: number;
}

/** Everything a sender needs, injected. */
export interface SenderDeps {
  name: string;
  provider: ProviderConfig;
  settings: DispatcherConfig['sender'];
  db: Db;
  outbox: Outbox;
  clock: Clock;
  rng: Rng;
  /** This process's lease owner id. */
  owner: number;
  client?: ProviderClient;
}

/** The paced sender of one provider account. */
export type Sender = ReturnType<typeof createSender>;

interface Queued {
  row: ClaimedRow;
  campaign: CampaignRow;
}

/**
 * Creates the sender of one provider account: claims pages under a lease, paces them through
 * the limiter, sends batches with bounded concurrency, and writes outcomes in batches.
 */
export function createSender(deps: SenderDeps) {
  const { provider, settings, outbox, clock, db, owner } = deps;
  const client = deps.client ?? createProviderClient(provider);
  const limiter = createLimiter({
    account: deps.name,
    tps: provider.tps,
    requestTimeoutMs: provider.timeout,
    store: createLimiterStore(db),
    now: clock.now(),
  });
  // A page must be sendable within a third of the lease, so leases never lapse while queued.
  const pageSize = Math.max(1, Math.floor(Math.min(settings.pageSize, provider.tps ? (provider.tps * settings.lease) / 3000 : Infinity)));
  const queue: Queued[] = [];
  let head = 0;
  const inFlightIds = new Set<number>();
  let inFlightRequests = 0;
  let pending: Outcome[] = [];
  const counters: SenderCounters = { sent: 0, failed: 0, retried: 0, rejected: 0 };
  const meter = createRateMeter();
  const campaignMeters = new Map<number, ReturnType<typeof createRateMeter>>();
  const meterOf = (id: number) => {
    let m = campaignMeters.get(id);
    if (!m) {
      m = createRateMeter();
      campaignMeters.set(id, m);
    }
    return m;
  };
  const stop = new AbortController();
  let wakeUp: (() => void) | undefined;
  let wakeQueued = false;
  const wakeNow = () => {
    wakeQueued = false;
    const w = wakeUp;
    wakeUp = undefined;
    w?.();
  };
  // Wakes are coalesced to the next check phase: every response that arrived in this I/O phase
  // is handled first, then the loop sends all it may in one pass (one markSending for them all).
  const wake = () => {
    if (wakeQueued || !wakeUp) return;
    wakeQueued = true;
    setImmediate(wakeNow);
  };
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (!Number.isFinite(ms)) {
        // Only a response (or poke/close) ends this wait: no timer, no AbortController to pay for.
        wakeUp = resolve;
        return;
      }
      const timer = new AbortController();
      let settled = false;
      const done = (early: boolean) => {
        if (settled) return;
        settled = true;
        if (wakeUp === onWake) wakeUp = undefined;
        // Aborting builds a DOMException: only when a wake cut the sleep short.
        if (early) timer.abort();
        resolve();
      };
      const onWake = () => done(true);
      wakeUp = onWake;
      clock.sleep(ms, timer.signal).then(
        () => done(false),
        () => {},
      );
    });

  const flush = () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    outbox.applyOutcomes(batch);
  };

  const refill = (now: number) => {
    const want = pageSize - (queue.length - head);
    if (want < pageSize / 2) return;
    if (head > 0) {
      queue.splice(0, head);
      head = 0;
    }
    let room = want;
    for (const campaign of outbox.activeCampaigns(deps.name)) {
      if (room <= 0) break;
      const rows = outbox.claim(campaign.id, now, now + settings.lease, owner, room);
      for (const row of rows) queue.push({ row, campaign });
      room -= rows.length;
      if (rows.length === 0 && campaign.kind === 'campaign' && outbox.openWork(campaign.id).n === 0) outbox.finish(campaign.id, now);
    }
  };

  const campaignParams = new Map<number, Record<string, string>>();
  const paramsOf = (campaign: CampaignRow) => {
    let params = campaignParams.get(campaign.id);
    if (!params) {
      params = campaign.params ? (JSON.parse(campaign.params) as Record<string, string>) : {};
      campaignParams.set(campaign.id, params);
    }
    return params;
  };
  const toUnit = ({ row, campaign }: Queued): SendUnit => {
    const params: Record<string, string> = row.params
      ? { ...paramsOf(campaign), ...(JSON.parse(row.params) as Record<string, string>) }
      : { ...paramsOf(campaign) };
    // Transactional rows keep their address in a parameter (their dedupe column holds the message key).
    const to = params[TX_TO_PARAM] ?? row.recipient;
    delete params[TX_TO_PARAM];
    const content = campaign.content === null ? undefined : renderContent(campaign.content, params);
    return { id: row.id, to, clientKey: toClientKey(db, row.id), params, content };
  };

  const toOutcome = (q: Queued, r: UnitResult, now: number, pauseMs: number): Outcome => {
    const id = q.row.id;
    switch (r.kind) {
      case 'sent':
        counters.sent++;
        meter.add(1, now);
        meterOf(q.campaign.id).add(1, now);
        return { id, kind: 'sent', messageId: r.messageId, at: Math.round(now) };
      case 'failed':
        counters.failed++;
        return { id, kind: 'failed', error: r.error };
      case 'throttled':
        counters.rejected++;
        return { id, kind: 'release', nextAt: Math.round(now + pauseMs) };
      case 'retry': {
        if (q.row.attempts + 1 >= settings.maxAttempts) {
          counters.failed++;
          return { id, kind: 'failed', error: `gave up after ${q.row.attempts + 1} attempts: ${r.error}` };
        }
        counters.retried++;
        const delay = Math.max(r.afterMs ?? 0, backoffMs(q.row.attempts, settings.retryBase, settings.retryMax, deps.rng));
        return { id, kind: 'retry', nextAt: Math.round(now + delay), error: r.error, uncertain: r.uncertain };
      }
    }
  };

  /** Counts a batch as in flight from the moment it is taken off the queue (renewals cover it). */
  const reserve = (batch: Queued[]) => {
    inFlightRequests++;
    for (const q of batch) inFlightIds.add(q.row.id);
  };

  const dispatch = async (batch: Queued[]) => {
    const units = batch.map(toUnit);
    const result = await client.send(units, { template: (batch[0] as Queued).campaign.template });
    const now = clock.now();
    limiter.complete(batch.length, now);
    if (result.pauseMs !== undefined) limiter.pauseUntil(now + result.pauseMs);
    batch.forEach((q, i) => {
      const r = result.results[i] ?? { kind: 'retry', error: 'no result', uncertain: true };
      pending.push(toOutcome(q, r, now, result.pauseMs ?? 0));
      inFlightIds.delete(q.row.id);
    });
    inFlightRequests--;
    if (pending.length >= 1000) flush();
    wake();
  };

  /**
   * Sends the batches taken in one pass of the loop: their rows are marked inFlight in one
   * statement (guarantee 3: before any of their requests leaves), then each request goes.
   * One statement per pass rather than per request: for FCM (one message a request) a write
   * per message was the dispatcher's largest single cost.
   */
  const launch = (ready: Queued[][]) => {
    if (ready.length === 0) return;
    const ids: number[] = [];
    for (const batch of ready) for (const q of batch) ids.push(q.row.id);
    outbox.markSending(ids);
    for (const batch of ready) {
      // A request that outlives close() (a stalled machine past the close deadline) finds the
      // outbox closed: expected then, and not an unhandled rejection. Before close, errors surface.
      void dispatch(batch).catch((error: unknown) => {
        if (!stop.signal.aborted) throw error;
      });
    }
    ready.length = 0;
  };

  const takeBatch = (max: number): Queued[] => {
    const first = queue[head] as Queued;
    const batch: Queued[] = [];
    while (batch.length < max && head < queue.length && (queue[head] as Queued).campaign.id === first.campaign.id) {
      batch.push(queue[head++] as Queued);
    }
    return batch;
  };

  const sendLoop = async () => {
    const ready: Queued[][] = [];
    // Before every wait, whatever this pass took leaves (launch), so nothing taken ever waits.
    const pause = (ms: number) => {
      launch(ready);
      return wait(ms);
    };
    while (!stop.signal.aborted) {
      const now = clock.now();
      refill(now);
      const queued = queue.length - head;
      if (queued === 0) {
        await pause(settings.poll);
        continue;
      }
      if (inFlightRequests >= provider.maxInFlight) {
        await pause(Number.POSITIVE_INFINITY);
        continue;
      }
      const first = queue[head] as Queued;
      let n = 1;
      while (n < client.maxBatch && head + n < queue.length && (queue[head + n] as Queued).campaign.id === first.campaign.id) n++;
      const delay = limiter.delay(n, now);
      if (delay > 0) {
        await pause(Number.isFinite(delay) ? delay : settings.poll);
        continue;
      }
      limiter.acquire(n, now);
      const batch = takeBatch(n);
      reserve(batch);
      ready.push(batch);
    }
    launch(ready);
  };

  const maintenanceLoop = async () => {
    let sinceLease = 0;
    while (!stop.signal.aborted) {
      await clock.sleep(settings.outcomeFlush, stop.signal).catch(() => {});
      flush();
      sinceLease += settings.outcomeFlush;
      if (sinceLease < settings.lease / 4) continue;
      sinceLease = 0;
      const now = clock.now();
      // Renew what we hold before recovering what expired, so our own rows never count as lost.
      const held = [...inFlightIds];
      for (let i = head; i < queue.length; i++) held.push((queue[i] as Queued).row.id);
      outbox.renew(held, now + settings.lease, owner);
      for (const c of outbox.activeCampaigns(deps.name)) outbox.recoverExpired(c.id, now);
    }
  };

  let loops: Promise<unknown> | undefined;
  return {
    counters,
    start() {
      const now = clock.now();
      for (const c of outbox.activeCampaigns(deps.name)) outbox.recoverExpired(c.id, now);
      loops = Promise.all([sendLoop(), maintenanceLoop()]);
    },
    /** Wakes an idle sender (new campaign or message). */
    poke: wake,
    get inFlight() {
      return limiter.inFlight;
    },
    get queued() {
      return queue.length - head;
    },
    rate: (now: number) => meter.rate(now),
    campaignRate: (id: number, now: number) => campaignMeters.get(id)?.rate(now) ?? 0,
    /** Stops claiming, waits for requests in flight (up to the timeout), writes every outcome, releases the rest. */
    async close() {
      stop.abort();
      wakeNow();
      await loops;
      const deadline = clock.now() + provider.timeout + 1000;
      while (inFlightRequests > 0 && clock.now() < deadline) await clock.sleep(10);
      const now = Math.round(clock.now());
      for (let i = head; i < queue.length; i++) pending.push({ id: (queue[i] as Queued).row.id, kind: 'release', nextAt: now });
      queue.length = 0;
      head = 0;
      flush();
      await client.close();
    },
  };
}
