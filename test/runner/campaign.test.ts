import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/core/index.ts';
import { type CampaignSpec, campaignStats, expandRecipients, runCampaign } from '../../src/runner/campaign.ts';
import { createRecipientMatcher, type FeedReader, ProviderTracker } from '../../src/runner/delivery-tracker.ts';
import type { DeliveryPage } from '../../src/runner/mock-session.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A dispatcher stand-in: records the start request (at the manual clock's time) and answers with `reply`. */
async function dispatcher(clock: ManualClock, status: number, reply: unknown) {
  const received: { method?: string; url?: string; body?: unknown; at?: number; authorization?: string } = {};
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const authorization = req.headers.authorization;
      Object.assign(received, { method: req.method, url: req.url, authorization, body: JSON.parse(text || 'null'), at: clock.now() });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/**
 * A delivery feed on a manual clock: recipient i (0-based, `cmp1-{i+1}`) is delivered `every` ms
 * after the start request reached the dispatcher; `twice` are delivered again 1 ms later, `never`
 * not at all. Entries appear in the feed once the clock has passed them, in time order.
 */
function fakeFeed(
  clock: ManualClock,
  startedAt: () => number | undefined,
  count: number,
  every: number,
  twice: Set<number>,
  never: Set<number>,
) {
  const reads: number[] = [];
  const read: FeedReader = async (after, until) => {
    reads.push(after);
    const start = startedAt();
    const all: DeliveryPage['entries'] = [];
    if (start !== undefined) {
      for (let i = 0; i < count; i++) {
        if (never.has(i)) continue;
        all.push({ recipient: `cmp1-${i + 1}`, at: start + i * every });
        if (twice.has(i)) all.push({ recipient: `cmp1-${i + 1}`, at: start + i * every + 1 });
      }
    }
    const visible = all.sort((a, b) => a.at - b.at).filter((e) => e.at <= clock.now());
    const end = Math.min(visible.length, until ?? Number.POSITIVE_INFINITY, after + 7);
    return { cursor: Math.max(after, end), head: visible.length, entries: visible.slice(after, end) };
  };
  return { tracker: new ProviderTracker('alimtalk', read), reads };
}

/** Advances a manual clock in `step` ms increments (yielding to real I/O between) until `work` settles. */
async function drive<T>(clock: ManualClock, work: Promise<T>, step = 10, maxSteps = 10_000): Promise<T> {
  let done = false;
  const settled = work.finally(() => {
    done = true;
  });
  for (let i = 0; i < maxSteps && !done; i++) {
    await new Promise((r) => setTimeout(r, 1));
    await clock.advance(step);
  }
  return settled;
}

const spec = (over: Partial<CampaignSpec> = {}): CampaignSpec => ({
  name: 'cmp1',
  channel: 'alimtalk',
  provider: 'alimtalk',
  recipients: 20,
  pattern: 'cmp1-{seq}',
  template: 'welcome',
  params: { shop: 'x' },
  poll: 50,
  ...over,
});

describe('campaign tracking', () => {
  it('expands the recipient set from the pattern', () => {
    expect(expandRecipients('c-{seq}', 3)).toEqual(['c-1', 'c-2', 'c-3']);
    // The reference dispatcher's generator syntax: {n} is 0-based, {n:W} zero-padded.
    expect(expandRecipients('c-{n}', 3)).toEqual(['c-0', 'c-1', 'c-2']);
    expect(expandRecipients('010{n:8}', 2)).toEqual(['01000000000', '01000000001']);
  });

  it('maps recipient ids back to their index, and nothing else', () => {
    const seq = createRecipientMatcher('c-{seq}', 3);
    expect(['c-1', 'c-3', 'c-0', 'c-4', 'c-01', 'x-1', 'c-1x'].map(seq)).toEqual([0, 2, -1, -1, -1, -1, -1]);
    const padded = createRecipientMatcher('010{n:8}', 20);
    expect(['01000000000', '01000000019', '0101', '01000000020'].map(padded)).toEqual([0, 19, -1, -1]);
    const big = createRecipientMatcher('u.{n}', 1_000_000);
    expect(['u.999999', 'u.1000000', 'uX5'].map(big)).toEqual([999_999, -1, -1]);
  });

  it('starts through the reference API and tracks every recipient to delivery', async () => {
    const clock = createManualClock(1_000_000);
    const d = await dispatcher(clock, 202, { id: 'c1', accepted: 20 });
    const { tracker, reads } = fakeFeed(clock, () => d.received.at, 20, 20, new Set([4]), new Set());
    const tracked = await drive(
      clock,
      runCampaign(spec({ token: 'secret-token' }), { origin: d.url, tracker, clock, trackFor: 5000, timeout: 2000 }),
    );
    await tracker.poll();
    const stats = campaignStats(tracked);
    expect(d.received).toMatchObject({
      method: 'POST',
      url: '/v1/campaigns',
      authorization: 'Bearer secret-token',
      body: {
        channel: 'alimtalk',
        provider: 'alimtalk',
        template: 'welcome',
        params: { shop: 'x' },
        generator: { count: 20, pattern: 'cmp1-{seq}' },
      },
    });
    expect(stats).toMatchObject({ requested: 20, accepted: 20, delivered: 20, lost: 0, duplicated: 1, startError: null });
    // Recipient 10 of 20 is delivered 9 * 20 ms after the start request reached the dispatcher (which the
    // manual clock may reach a step after sending it); the times come from the feed, not the polls.
    const reachedAfter = (d.received.at ?? 0) - (tracked.t0 ?? 0);
    expect(stats.completion.p50).toBe(180 + reachedAfter);
    expect(stats.completion.p100).toBe(380 + reachedAfter);
    expect(stats.drainTime).toBe(stats.completion.p100);
    expect(stats.curve.at(-1)?.[1]).toBe(20);
    expect(stats.backlog.at(-1)?.[1]).toBe(0);
    expect(stats.curve.length).toBeGreaterThan(1);
    // Each delivery is read once: the cursors asked for never go back (O(deliveries), not O(recipients) a poll).
    expect(reads).toEqual([...reads].sort((a, b) => a - b));
  });

  it('counts a duplicate that arrives after the last first delivery, once the feed is read to the end', async () => {
    const clock = createManualClock(0);
    const d = await dispatcher(clock, 202, { accepted: 3 });
    const late: DeliveryPage['entries'] = [];
    const read: FeedReader = async (after) => {
      const start = d.received.at ?? 0;
      const all = [0, 1, 2].map((i) => ({ recipient: `cmp1-${i + 1}`, at: start + i })).concat(late);
      const visible = all.filter((e) => e.at <= clock.now());
      return { cursor: visible.length, head: visible.length, entries: visible.slice(after) };
    };
    const tracker = new ProviderTracker('alimtalk', read);
    const tracked = await drive(
      clock,
      runCampaign(spec({ recipients: 3 }), { origin: d.url, tracker, clock, trackFor: 5000, timeout: 2000 }),
    );
    expect(campaignStats(tracked).duplicated).toBe(0);
    late.push({ recipient: 'cmp1-2', at: clock.now() });
    await tracker.poll();
    expect(campaignStats(tracked)).toMatchObject({ delivered: 3, duplicated: 1, lost: 0 });
  });

  it('calls undelivered recipients lost once the deadline (with grace) passes', async () => {
    const clock = createManualClock(0);
    const d = await dispatcher(clock, 202, { id: 'c1' });
    const { tracker } = fakeFeed(clock, () => d.received.at, 20, 10, new Set(), new Set([2, 13]));
    const tracked = await drive(
      clock,
      runCampaign(spec({ deadline: 400 }), { origin: d.url, tracker, clock, trackFor: 60_000, timeout: 2000 }),
    );
    const stats = campaignStats(tracked);
    expect(stats).toMatchObject({ accepted: 20, delivered: 18, lost: 2, duplicated: 0, drainTime: null, deadline: 400 });
    expect(stats.completion.p100).toBeNull();
    expect(stats.completion.p50).not.toBeNull();
    expect(stats.backlog.at(-1)?.[1]).toBe(2);
    // Tracking stopped at 1.25 x the deadline, not at trackFor.
    expect(stats.curve.at(-1)?.[0]).toBeLessThanOrEqual(500 + 50);
  });

  it('reports a refused start without tracking', async () => {
    const clock = createManualClock(0);
    const d = await dispatcher(clock, 400, { error: 'unknown template' });
    const { tracker, reads } = fakeFeed(clock, () => undefined, 20, 10, new Set(), new Set());
    const tracked = await runCampaign(
      spec({ start: { method: 'POST', path: '/api/send/{{template}}', body: { to: '{{pattern}}', n: '{{count}}' } } }),
      { origin: d.url, tracker, clock, trackFor: 60_000, timeout: 2000 },
    );
    const stats = campaignStats(tracked);
    expect(d.received).toMatchObject({ url: '/api/send/welcome', body: { to: 'cmp1-{seq}', n: 20 } });
    expect(stats).toMatchObject({ accepted: 0, delivered: 0, lost: 0, drainTime: null });
    expect(stats.startError).toMatch(/answered 400: .*unknown template/);
    expect(reads).toEqual([]);
  });

  it('treats a 2xx that accepted 0 recipients as a refused start', async () => {
    const clock = createManualClock(0);
    const d = await dispatcher(clock, 200, { accepted: 0 });
    const { tracker } = fakeFeed(clock, () => undefined, 20, 10, new Set(), new Set());
    const stats = campaignStats(await runCampaign(spec(), { origin: d.url, tracker, clock, trackFor: 60_000, timeout: 2000 }));
    expect(stats.accepted).toBe(0);
    expect(stats.startError).toMatch(/accepted 0 of 20/);
  });
});

describe('a scheduled campaign (due:)', () => {
  it('sends the schedule, tracks past the deadline until the last due time, and measures lateness', async () => {
    const clock = createManualClock(1_000_000.4);
    const d = await dispatcher(clock, 202, { id: 'c1', accepted: 20 });
    // The dispatcher stand-in sends recipient i 10 ms after it is due, by the schedule it was given; #7 300 ms early.
    const read: FeedReader = async (after, until) => {
      const schedule = (d.received.body as { schedule?: { at: number; spreadMs: number } } | undefined)?.schedule;
      const all = schedule
        ? Array.from({ length: 20 }, (_, i) => ({
            recipient: `cmp1-${i + 1}`,
            at: schedule.at + Math.floor((i * schedule.spreadMs) / 20) + (i === 7 ? -300 : 10),
          }))
        : [];
      const visible = all.sort((a, b) => a.at - b.at).filter((e) => e.at <= clock.now());
      const end = Math.min(visible.length, until ?? Number.POSITIVE_INFINITY);
      return { cursor: Math.max(after, end), head: visible.length, entries: visible.slice(after, end) };
    };
    const tracker = new ProviderTracker('alimtalk', read);
    // A 400 ms deadline would stop tracking after 500 ms, long before anyone is due: it runs from the last due time.
    const tracked = await drive(
      clock,
      runCampaign(spec({ deadline: 400, due: { at: 3000, spread: 2000, tolerance: 1 } }), {
        origin: d.url,
        tracker,
        clock,
        trackFor: 60_000,
        timeout: 2000,
      }),
    );
    await tracker.poll();
    const stats = campaignStats(tracked);
    expect((d.received.body as { schedule: unknown }).schedule).toEqual({ at: Math.round(1_000_000.4 + 3000), spreadMs: 2000 });
    expect(stats).toMatchObject({ accepted: 20, delivered: 20, lost: 0 });
    expect(stats.lateness).toMatchObject({ reached: 20, early: 1, p50: 10, max: 10, tolerance: 1, firstDue: 2999.6, lastDue: 4899.6 });
    expect(stats.lateness?.buckets.length).toBe(20);
  });
});
