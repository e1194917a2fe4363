import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { AppContext } from './context.ts';
import { heapAfterGc } from './heap-after-gc.ts';

/**
 * The Prometheus registry: backlog, in flight, sent/s, rejected, and prom-client's default
 * process metrics (resident memory, heap, event-loop lag). Own registry, so two dispatchers
 * in one process (tests, embedded runs) never collide.
 */
export function createMetrics(ctx: AppContext): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'floodgate_dispatcher_' });
  // prom-client names three gauges `nodejs_active_*_total`; `_total` is for counters only
  // (promtool check metrics refuses them). The per-type gauges beside them carry the same
  // figures: sum(floodgate_dispatcher_nodejs_active_handles) is the total.
  for (const kind of ['handles', 'requests', 'resources']) register.removeSingleMetric(`floodgate_dispatcher_nodejs_active_${kind}_total`);
  const senders = () => [...ctx.senders.entries()];
  // Counting the backlog walks the index over every open row: 52 ms at 1,000,000 rows, on the one
  // thread that also sends. Scraped every second (a scenario's monitor) that stalled sending 5% of
  // the time, so the count is taken again only once 100 times its own cost has passed: the gauge
  // costs at most 1% of the dispatcher's time, and is fresh at every scrape for small backlogs.
  let backlog = new Map<string, number>();
  let backlogAt = Number.NEGATIVE_INFINITY;
  let backlogCost = 0;
  new Gauge({
    name: 'floodgate_dispatcher_backlog',
    help: "Recipients pending or leased, per provider (recounted at most every 100x the count's own cost)",
    labelNames: ['provider'],
    registers: [register],
    async collect() {
      const started = performance.now();
      if (started - backlogAt >= backlogCost * 100) {
        const counted = new Map<string, number>();
        for (const [name] of senders()) {
          let n = 0;
          for (const c of await ctx.store.activeCampaigns(name)) n += (await ctx.store.openWork(c.id)).n;
          counted.set(name, n);
        }
        backlog = counted;
        backlogAt = started;
        backlogCost = performance.now() - started;
      }
      for (const [name, n] of backlog) this.set({ provider: name }, n);
    },
  });
  new Gauge({
    name: 'floodgate_dispatcher_heap_after_gc_bytes',
    help: 'Heap used right after the latest full garbage collection: live data, without uncollected garbage',
    registers: [register],
    collect() {
      this.set(heapAfterGc());
    },
  });
  new Gauge({
    name: 'floodgate_dispatcher_in_flight',
    help: 'Recipients in requests awaiting the provider',
    labelNames: ['provider'],
    registers: [register],
    collect() {
      for (const [name, s] of senders()) this.set({ provider: name }, s.inFlight);
    },
  });
  new Gauge({
    name: 'floodgate_dispatcher_sent_per_second',
    help: 'Recipients accepted by the provider per second, over the last 5 s',
    labelNames: ['provider'],
    registers: [register],
    collect() {
      const now = ctx.clock.now();
      for (const [name, s] of senders()) this.set({ provider: name }, s.rate(now));
    },
  });
  // The send quota (an account's `dailyQuota`, or a provider's quota answer): 1 while the sender waits for it.
  new Gauge({
    name: 'floodgate_dispatcher_quota_paused',
    help: 'Whether the account is paused on its send quota (1) or sending (0)',
    labelNames: ['provider'],
    registers: [register],
    collect() {
      const now = ctx.clock.now();
      for (const [name, s] of senders()) this.set({ provider: name }, s.quota(now)?.paused ? 1 : 0);
    },
  });
  new Gauge({
    name: 'floodgate_dispatcher_quota_used',
    help: 'Units counted against the account send quota within its window (accounts with a dailyQuota)',
    labelNames: ['provider'],
    registers: [register],
    collect() {
      const now = ctx.clock.now();
      for (const [name, s] of senders()) {
        const q = s.quota(now);
        if (q?.limit != null) this.set({ provider: name }, q.used);
      }
    },
  });
  for (const [metric, key, help] of [
    ['sent_total', 'sent', 'Recipients accepted by the provider'],
    ['rejected_total', 'rejected', 'Recipients refused by a provider limit (429), to be sent later'],
    ['failed_total', 'failed', 'Recipients failed for good'],
    ['retried_total', 'retried', 'Retryable failures (5xx, timeouts)'],
  ] as const) {
    new Counter({
      name: `floodgate_dispatcher_${metric}`,
      help,
      labelNames: ['provider'],
      registers: [register],
      collect() {
        this.reset();
        for (const [name, s] of senders()) this.inc({ provider: name }, s.counters[key]);
      },
    });
  }
  return register;
}
