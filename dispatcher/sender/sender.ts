import type { Clock, Rng } from '../../src/core/index.ts';
import type { DispatcherConfig, ProviderConfig } from '../config.ts';
import {
  type BatchResult,
  createProviderClient,
  type ProviderClient,
  renderContent,
  type SendUnit,
  type UnitResult,
} from '../providers/index.ts';
import { toClientKey } from '../store/db.ts';
import type { CampaignRow, ClaimedRow, Outcome } from '../store/outbox.ts';
import { TX_TO_PARAM } from '../store/outbox.ts';
import type { FallbackTarget, Store } from '../store/store.ts';
import { backoffMs } from './backoff.ts';
import { createSendQuota, type QuotaStatus, type SendQuota } from './quota.ts';
import { createRateMeter } from './rate-meter.ts';

function warn(what: string, error: unknown) {
  process.stderr.write(`dispatcher: ${what}: ${(error as Error).message ?? error}\n`);
}

/** Why a sender's timed wait ended early: it was woken (a fixed value, so waking allocates no error). */
const WOKEN = Symbol('woken');

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
  store: Store;
  clock: Clock;
  rng: Rng;
  /** This process's lease owner id. */
  owner: number;
  client?: ProviderClient;
  /** Where recipients this provider cannot reach go (the account's `fallback`: an SMS account for Alimtalk). */
  fallback?: FallbackTarget;
}

/** The paced sender of one provider account. */
export type Sender = ReturnType<typeof createSender>;

interface Queued {
  row: ClaimedRow;
  campaign: CampaignRow;
  /** Already marked in flight (`sending`) by an earlier write: see {@link createSender}'s mark-ahead. */
  marked: boolean;
}

/**
 * Rows marked in flight in one write, counting the ones the loop starts now and queued rows
 * just behind them (SQLite only). At FCM's one message a request on an unloaded machine each
 * turn of the send loop starts one request, and its own marking write (a WAL commit) was 9% of
 * the dispatcher's CPU; marked ahead, one commit serves this many messages. The price: a crash
 * flags up to this many rows `uncertain` that never left (README, guarantee 3). They are sent
 * again with the same client key, as any uncertain row is.
 */
export const MARK_AHEAD = 64;

/**
 * Creates the sender of one provider account: claims pages under a lease, paces them through
 * the limiter, sends batches with bounded concurrency, and writes outcomes in batches.
 */
export function createSender(deps: SenderDeps) {
  const { provider, settings, store, clock, owner } = deps;
  const client = deps.client ?? createProviderClient(provider);
  const limiter = store.createLimiter({
    account: deps.name,
    tps: provider.tps,
    requestTimeoutMs: provider.timeout,
    now: clock.now(),
    owner,
    onChange: () => wake(),
    clock: () => clock.now(),
  });
  // A page must be sendable within a third of the lease, so leases never lapse while queued. With
  // several processes on one store (PostgreSQL) a process may get only a part of the account's
  // rate: a page of at most 1 s of the rate keeps the campaign's tail from waiting on one
  // process's queue while the others have nothing left to claim.
  const pagePace = provider.tps ? (provider.tps * settings.lease) / 3000 : Number.POSITIVE_INFINITY;
  const shared = store.driver === 'postgres' && provider.tps ? provider.tps : Number.POSITIVE_INFINITY;
  const pageSize = Math.max(1, Math.floor(Math.min(settings.pageSize, pagePace, shared)));
  // The account's send quota (its `dailyQuota`); without one, a guard appears only if the provider
  // answers its quota error, so an account without a quota pays nothing a send.
  let quota: SendQuota | undefined = provider.dailyQuota ? createSendQuota(provider.dailyQuota) : undefined;
  let quotaPaused = false;
  // A full quota frees units a slot at a time, so the sender pauses and resumes once a slot: say so once a minute at most.
  let quotaLoggedAt = Number.NEGATIVE_INFINITY;
  const quotaLog = (now: number, line: string) => {
    if (now - quotaLoggedAt < 60_000) return;
    quotaLoggedAt = now;
    process.stderr.write(`dispatcher: ${deps.name}: ${line}\n`);
  };
  const queue: Queued[] = [];
  let head = 0;
  // PostgreSQL: several processes share the rows, and a row marked ahead may be taken by another
  // one whose lease recovery ran first, so only the rows started are marked there.
  const markAhead = store.driver === 'sqlite' ? MARK_AHEAD : 0;
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
  const wake = () => {
    const w = wakeUp;
    wakeUp = undefined;
    w?.();
  };
  // Called about once a message at FCM's one message a request: an endless wait (for a free slot)
  // needs no timer at all, and a timed one is cut short with a fixed reason, not a new DOMException.
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (!Number.isFinite(ms)) {
        wakeUp = resolve;
        return;
      }
      const timer = new AbortController();
      const done = () => {
        timer.abort(WOKEN);
        resolve();
      };
      wakeUp = done;
      clock.sleep(ms, timer.signal).then(done, () => {});
    });

  /**
   * Waits for a request to end. The loop resumes after the I/O callbacks ready now have run (a
   * setImmediate), not after the first of them, so the requests that ended together free their
   * slots together and the next turn starts as many at once.
   */
  const waitForSlot = () =>
    new Promise<void>((resolve) => {
      wakeUp = () => setImmediate(resolve);
    });

  // Outcome batches are written one after another (never two at once), in the order they were taken.
  let writes: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    if (pending.length === 0) return writes;
    const batch = pending;
    pending = [];
    writes = writes.then(() =>
      store.applyOutcomes(batch).catch((error: unknown) => {
        // Not written: the rows' leases lapse and they are sent again (flagged when they were in a request).
        warn(`writing ${batch.length} outcomes failed`, error);
      }),
    );
    return writes;
  };

  const refill = async (now: number) => {
    const want = pageSize - (queue.length - head);
    if (want < pageSize / 2) return;
    if (head > 0) {
      queue.splice(0, head);
      head = 0;
    }
    let room = want;
    for (const campaign of await store.activeCampaigns(deps.name)) {
      if (room <= 0) break;
      const rows = await store.claim(campaign.id, now, now + settings.lease, owner, room);
      for (const row of rows) queue.push({ row, campaign, marked: false });
      room -= rows.length;
      if (rows.length === 0 && campaign.kind === 'campaign' && !(await store.hasOpenWork(campaign.id)))
        await store.finish(campaign.id, now);
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
    return { id: row.id, to, clientKey: toClientKey(store, row.id), params, content };
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

  /**
   * Hands rows the provider cannot reach to the fallback account's campaign (failed here, queued
   * there, in one transaction). If that write fails the rows are released and tried again: the
   * provider answers the same, and the fallback campaign takes each recipient once.
   */
  const moveToFallback = async (rows: Queued[], now: number) => {
    const target = deps.fallback as FallbackTarget;
    const bySource = new Map<number, Queued[]>();
    for (const q of rows) bySource.set(q.campaign.id, [...(bySource.get(q.campaign.id) ?? []), q]);
    for (const group of bySource.values()) {
      const source = (group[0] as Queued).campaign;
      try {
        await store.fallBack(
          source,
          group.map((q) => q.row),
          target,
          `not reachable here: fell back to ${target.provider}`,
          Math.round(now),
        );
        counters.failed += group.length;
      } catch (error) {
        warn('moving rows to the fallback account failed', error);
        for (const q of group) pending.push({ id: q.row.id, kind: 'release', nextAt: Math.round(now) });
      }
    }
  };

  /**
   * Starts the requests the send loop took in one turn. Their rows are marked in flight in one
   * write (at FCM's one message a request that write was an UPDATE a message: 13% of the
   * dispatcher's CPU), and no request leaves before it is done, so a crash still finds every
   * row that may have reached the provider flagged `sending`.
   */
  const dispatchAll = async (starts: Queued[][]) => {
    inFlightRequests += starts.length;
    // The rows not yet marked, and (one process per SQLite file, so every row marked is held)
    // the queued rows behind them up to MARK_AHEAD. All marked: the requests leave at once.
    let ids: number[] | undefined;
    let ahead: Queued[] | undefined;
    for (const batch of starts)
      for (const q of batch) {
        inFlightIds.add(q.row.id);
        if (q.marked) continue;
        ids ??= [];
        ids.push(q.row.id);
      }
    if (ids === undefined) {
      const sends: Promise<void>[] = [];
      for (const batch of starts) sends.push(send(batch));
      await Promise.all(sends);
      return;
    }
    if (markAhead > 0) {
      ahead = [];
      for (let i = head; i < queue.length && ids.length < markAhead; i++) {
        const q = queue[i] as Queued;
        if (q.marked) continue;
        ids.push(q.row.id);
        ahead.push(q);
      }
    }
    let held: Set<number> | undefined;
    try {
      const marked = await store.markSending(ids, owner);
      if (marked.length < ids.length) held = new Set(marked);
    } catch (error) {
      // Never sent: give the units back and the started rows to the queue; rows ahead stay queued, unmarked.
      warn(`marking ${ids.length} rows in flight failed`, error);
      const now = clock.now();
      let started = 0;
      for (const batch of starts)
        for (const q of batch) {
          started++;
          inFlightIds.delete(q.row.id);
          pending.push({ id: q.row.id, kind: 'release', nextAt: Math.round(now) });
        }
      limiter.complete(started, now);
      quota?.settle(started, 0, now);
      inFlightRequests -= starts.length;
      wake();
      return;
    }
    if (ahead) for (const q of ahead) q.marked = true;
    const sends: Promise<void>[] = [];
    for (const batch of starts) sends.push(send(held ? mine(batch, held) : batch));
    await Promise.all(sends);
  };

  /** The rows of `batch` this process still holds; the others (another process took them when their lease lapsed) are let go. */
  const mine = (batch: Queued[], held: Set<number>): Queued[] => {
    const kept = batch.filter((q) => held.has(q.row.id));
    const lost = batch.length - kept.length;
    if (lost > 0) {
      for (const q of batch) if (!held.has(q.row.id)) inFlightIds.delete(q.row.id);
      limiter.complete(lost, clock.now());
      quota?.settle(lost, 0, clock.now());
    }
    return kept;
  };

  /** Sends one request of rows already marked in flight, and queues their outcomes. */
  const send = async (batch: Queued[]) => {
    if (batch.length === 0) {
      inFlightRequests--;
      wake();
      return;
    }
    const units = batch.map(toUnit);
    const result = await client.send(units, { template: (batch[0] as Queued).campaign.template });
    const now = clock.now();
    limiter.complete(batch.length, now);
    if (result.pauseMs !== undefined) limiter.pauseUntil(now + result.pauseMs);
    noteQuota(result, batch.length, now);
    const fallBack: Queued[] = [];
    batch.forEach((q, i) => {
      const r = result.results[i] ?? { kind: 'retry', error: 'no result', uncertain: true };
      if (r.kind === 'failed' && r.fallback && deps.fallback) fallBack.push(q);
      else pending.push(toOutcome(q, r, now, result.pauseMs ?? 0));
      inFlightIds.delete(q.row.id);
    });
    if (fallBack.length > 0) await moveToFallback(fallBack, now);
    inFlightRequests--;
    if (pending.length >= 1000) void flush();
    wake();
  };

  /** Throttled units were not admitted: they leave the count at once; a quota answer pauses the account. */
  const noteQuota = (result: BatchResult, taken: number, now: number) => {
    if (result.quotaExhausted && !quota) {
      // Its first quota answer: from now on this account is counted too (its earlier sends are not known).
      quota = createSendQuota({ limit: Number.POSITIVE_INFINITY, windowMs: 86_400_000 });
    }
    if (!quota) return;
    let throttled = 0;
    for (let i = 0; i < taken; i++) if (result.results[i]?.kind === 'throttled') throttled++;
    quota.settle(taken, taken - throttled, now);
    if (result.quotaExhausted) quota.exhausted(now);
  };

  /**
   * While the quota is used up: the queued rows go back to pending (not failed, not held under a
   * lease for hours), nothing is claimed or sent, and the pause is said once, on stderr.
   */
  const pauseForQuota = (now: number) => {
    if (quotaPaused) return;
    quotaPaused = true;
    const s = (quota as SendQuota).status(now);
    const released = queue.length - head;
    for (let i = head; i < queue.length; i++) pending.push({ id: (queue[i] as Queued).row.id, kind: 'release', nextAt: Math.round(now) });
    queue.length = 0;
    head = 0;
    void flush();
    const limit = s.limit === null ? 'its send quota' : `its send quota of ${s.limit} a ${s.windowMs / 1000} s`;
    const why = s.reason === 'provider' ? 'the provider answered that the quota is used up' : `${s.used} sent within the window`;
    const until = s.resumesAt === null ? '' : `; resumes at ${new Date(s.resumesAt).toISOString()}`;
    quotaLog(now, `paused, ${limit} is used up (${why}); ${released} queued rows stay pending${until}`);
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
    while (!stop.signal.aborted) {
      const now = clock.now();
      const quotaWait = quota?.delay(1, now) ?? 0;
      if (quotaWait > 0) {
        pauseForQuota(now);
        // At most a minute at a time: a long window's wait would overflow a timer, and a poke re-checks anyway.
        await wait(Math.min(quotaWait, 60_000));
        continue;
      }
      if (quotaPaused) {
        quotaPaused = false;
        quotaLog(now, 'the send quota has room again; sending resumes');
      }
      try {
        await refill(now);
      } catch (error) {
        warn('claiming rows failed', error);
        await wait(settings.poll);
        continue;
      }
      const queued = queue.length - head;
      if (queued === 0) {
        await wait(settings.poll);
        continue;
      }
      if (inFlightRequests >= provider.maxInFlight) {
        await waitForSlot();
        continue;
      }
      // Every request the in-flight cap, the limiter and the quota allow now is started in this
      // turn, so their rows are marked in flight in one write.
      const starts: Queued[][] = [];
      let delay = 0;
      while (head < queue.length && inFlightRequests + starts.length < provider.maxInFlight) {
        if (quota && quota.delay(1, now) > 0) break;
        const first = queue[head] as Queued;
        let n = 1;
        while (n < client.maxBatch && head + n < queue.length && (queue[head + n] as Queued).campaign.id === first.campaign.id) n++;
        if (quota) n = Math.max(1, Math.min(n, quota.room(now)));
        delay = limiter.delay(n, now);
        if (delay > 0) break;
        limiter.acquire(n, now);
        quota?.take(n);
        starts.push(takeBatch(n));
      }
      if (starts.length === 0) {
        await wait(Number.isFinite(delay) && delay > 0 ? delay : settings.poll);
        continue;
      }
      // A request that outlives close() (a stalled machine past the close deadline) finds the
      // outbox closed: expected then, and not an unhandled rejection. Before close, errors surface.
      void dispatchAll(starts).catch((error: unknown) => {
        if (!stop.signal.aborted) throw error;
      });
    }
  };

  const maintenanceLoop = async () => {
    let sinceLease = 0;
    while (!stop.signal.aborted) {
      await clock.sleep(settings.outcomeFlush, stop.signal).catch(() => {});
      await flush();
      sinceLease += settings.outcomeFlush;
      if (sinceLease < settings.lease / 4) continue;
      sinceLease = 0;
      await renewAndRecover().catch((error: unknown) => warn('renewing leases failed', error));
    }
  };

  const renewAndRecover = async () => {
    const now = clock.now();
    // Renew what we hold before recovering what expired, so our own rows never count as lost.
    const held = [...inFlightIds];
    for (let i = head; i < queue.length; i++) held.push((queue[i] as Queued).row.id);
    await store.renew(held, now + settings.lease, owner);
    for (const c of await store.activeCampaigns(deps.name)) await store.recoverExpired(c.id, now);
  };

  let loops: Promise<unknown> | undefined;
  return {
    counters,
    /** Recovers rows whose lease lapsed, then starts sending. */
    async start() {
      const now = clock.now();
      for (const c of await store.activeCampaigns(deps.name)) await store.recoverExpired(c.id, now);
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
    /** The account's send quota now, or null when it has none (and the provider never said it was used up). */
    quota: (now: number): QuotaStatus | null => quota?.status(now) ?? null,
    /** Stops claiming, waits for requests in flight (up to the timeout), writes every outcome, releases the rest. */
    async close() {
      stop.abort();
      wake();
      await loops;
      const deadline = clock.now() + provider.timeout + 1000;
      while (inFlightRequests > 0 && clock.now() < deadline) await clock.sleep(10);
      const now = Math.round(clock.now());
      for (let i = head; i < queue.length; i++) pending.push({ id: (queue[i] as Queued).row.id, kind: 'release', nextAt: now });
      queue.length = 0;
      head = 0;
      await flush();
      limiter.close?.();
      await client.close();
    },
  };
}
