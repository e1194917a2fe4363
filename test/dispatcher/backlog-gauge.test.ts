import { describe, expect, it } from 'vitest';
import type { AppContext } from '../../dispatcher/http/context.ts';
import { createMetrics } from '../../dispatcher/http/metrics.ts';
import { systemClock } from '../../src/core/index.ts';

/**
 * The backlog gauge counts open rows with an index walk that grows with the backlog (52 ms at
 * 1,000,000 rows, on the thread that sends). A scenario scrapes every second, so the gauge
 * recounts only once 100 times the last count's cost has passed: at most 1% of the time.
 */
describe('dispatcher metrics: the backlog gauge', () => {
  function contextWith(countMs: number) {
    let counts = 0;
    let open = 1000;
    const store = {
      activeCampaigns: async () => [{ id: 1 }],
      openWork: async () => {
        counts++;
        const until = performance.now() + countMs;
        while (performance.now() < until) {}
        return { n: open, next: null };
      },
    };
    const sender = { inFlight: 0, rate: () => 0, quota: () => null, counters: { sent: 0, failed: 0, retried: 0, rejected: 0 } };
    const ctx = { store, senders: new Map([['push', sender]]), clock: systemClock } as unknown as AppContext;
    return { ctx, counts: () => counts, setOpen: (n: number) => (open = n) };
  }
  const backlogOf = async (register: ReturnType<typeof createMetrics>) =>
    Number(/floodgate_dispatcher_backlog\{provider="push"\} (\d+)/.exec(await register.metrics())?.[1]);
  /** Scrapes every `everyMs` until the gauge reads `want` or `withinMs` passes; the last reading. */
  const scrapeUntil = async (register: ReturnType<typeof createMetrics>, want: number, withinMs: number, everyMs: number) => {
    const deadline = Date.now() + withinMs;
    let seen = await backlogOf(register);
    while (seen !== want && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, everyMs));
      seen = await backlogOf(register);
    }
    return seen;
  };

  it('a slow count is reused until 100 times its cost has passed, then taken again', async () => {
    const { ctx, counts, setOpen } = contextWith(5);
    const register = createMetrics(ctx);
    expect(await backlogOf(register)).toBe(1000);
    setOpen(900);
    // Scraped again at once: the 5 ms count is not repeated for at least 500 ms.
    expect(await backlogOf(register)).toBe(1000);
    expect(counts()).toBe(1);
    // Recounted once 100 x (5 ms and the count's own overhead) has passed: on a loaded machine the
    // measured cost stretches, so poll for it rather than guess the wait.
    expect(await scrapeUntil(register, 900, 20_000, 100)).toBe(900);
    expect(counts()).toBeGreaterThanOrEqual(2);
  });

  it('a cheap count is fresh at every scrape', async () => {
    const { ctx, setOpen } = contextWith(0);
    const register = createMetrics(ctx);
    expect(await backlogOf(register)).toBe(1000);
    // A count of a few microseconds (the first one, cold, a little more) is stale for milliseconds.
    setOpen(10);
    expect(await scrapeUntil(register, 10, 20_000, 20)).toBe(10);
  });
});
