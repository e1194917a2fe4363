import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HELD_BYTES_PER_RECIPIENT } from '../fixtures/bad-dispatchers/defects.ts';
import { KNOWN_BAD, recipientFromPattern } from '../fixtures/bad-dispatchers/index.ts';

/**
 * Self-tests of the known-bad dispatcher fixtures against a tiny recording broker: each shows its
 * defect (and only the pacing ones break pacing). The gate's verdict on them is the end-to-end
 * test that comes with the runner; these keep the fixtures honest until then.
 */

interface Arrival {
  at: number;
  recipients: string[];
  admitted: boolean;
}

/** An Alimtalk-like broker that records every request; with `limit`, an aligned 1 s window rejects (429) a request that would exceed it. */
async function startBroker(options: { limit?: number; latencyMs?: number } = {}) {
  const arrivals: Arrival[] = [];
  const windowCount = new Map<number, number>();
  // Destroy keep-alive sockets on close: a request in flight at close time would otherwise keep its
  // socket open for fastify's 72 s keep-alive timeout.
  const app = Fastify({ forceCloseConnections: true });
  app.post('/alimtalk/v2.3/appkeys/:appKey/messages', async (req, reply) => {
    const at = Date.now();
    const recipients = (req.body as { recipientList: { recipientNo: string }[] }).recipientList.map((r) => r.recipientNo);
    const second = Math.floor(at / 1000);
    const used = windowCount.get(second) ?? 0;
    const admitted = options.limit === undefined || used + recipients.length <= options.limit;
    arrivals.push({ at, recipients, admitted });
    if (!admitted)
      return reply
        .code(429)
        .header('retry-after', '1')
        .send({ header: { isSuccessful: false, resultCode: -2001, resultMessage: 'TPS limit exceeded' } });
    windowCount.set(second, used + recipients.length);
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    return {
      header: { isSuccessful: true, resultCode: 0, resultMessage: 'success' },
      message: {
        requestId: 'r',
        sendResults: recipients.map((recipientNo, i) => ({
          recipientSeq: i + 1,
          recipientNo,
          resultCode: 0,
          resultMessage: 'success',
          messageId: `m${i}`,
        })),
      },
    };
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, arrivals };
}

/** Deliveries per recipient, counting admitted requests only. */
function deliveries(arrivals: readonly Arrival[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const a of arrivals) if (a.admitted) for (const r of a.recipients) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** The most admitted recipients in any sliding 1 s window (two pointers over arrival times). */
function maxSliding(arrivals: readonly Arrival[]): number {
  const admitted = arrivals.filter((a) => a.admitted).sort((x, y) => x.at - y.at);
  let best = 0;
  let sum = 0;
  let lo = 0;
  for (const a of admitted) {
    sum += a.recipients.length;
    while ((admitted[lo] as Arrival).at <= a.at - 1000) sum -= (admitted[lo++] as Arrival).recipients.length;
    best = Math.max(best, sum);
  }
  return best;
}

function maxAligned(arrivals: readonly Arrival[]): number {
  const perSecond = new Map<number, number>();
  for (const a of arrivals)
    if (a.admitted) perSecond.set(Math.floor(a.at / 1000), (perSecond.get(Math.floor(a.at / 1000)) ?? 0) + a.recipients.length);
  return Math.max(0, ...perSecond.values());
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function start(id: string, tps: number, broker: Awaited<ReturnType<typeof startBroker>>) {
  const bad = KNOWN_BAD.find((b) => b.id === id);
  if (!bad) throw new Error(`no known-bad dispatcher ${id}`);
  const app: FastifyInstance = bad.build({ target: { url: broker.url, appKey: 'app', secretKey: 's', senderKey: 'k' }, tps });
  closers.push(() => broker.app.close());
  closers.push(() => app.close());
  const origin = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, origin };
}

async function createCampaign(origin: string, count: number): Promise<string> {
  const res = await request(`${origin}/v1/campaigns`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      channel: 'alimtalk',
      provider: 'alimtalk',
      template: 'welcome',
      params: { name: 'Kim' },
      recipients: { count, pattern: 'user-{seq}' },
    }),
  });
  expect(res.statusCode).toBe(202);
  return ((await res.body.json()) as { id: string }).id;
}

/** Polls `done` until it holds (10 s at most): the fixtures run on real timers, which a loaded machine delays. */
const until = (done: () => boolean | Promise<boolean>) => vi.waitUntil(done, { timeout: 10_000, interval: 50 });
const SECONDS = { timeout: 30_000 };

describe('known-bad dispatcher fixtures', () => {
  it('(a) re-sends the page its bounded queue rejected: the same recipients again every second', SECONDS, async () => {
    const broker = await startBroker({ latencyMs: 30 });
    const { origin } = await start('a', 200, broker);
    await createCampaign(origin, 400);
    await until(() => Math.max(0, ...deliveries(broker.arrivals).values()) >= 2);
    const counts = deliveries(broker.arrivals);
    expect(Math.max(...counts.values())).toBeGreaterThanOrEqual(2);
    expect(counts.has('user-400')).toBe(false); // stuck on the first page
  });

  it('(b) ignores the limit: the broker refuses requests', SECONDS, async () => {
    const broker = await startBroker({ limit: 200 });
    const { origin } = await start('b', 200, broker);
    await createCampaign(origin, 1500);
    await until(() => broker.arrivals.some((a) => !a.admitted));
    expect(broker.arrivals.filter((a) => !a.admitted).length).toBeGreaterThan(0);
  });

  it('(c) doubles the limit in a sliding second, never in an aligned one', SECONDS, async () => {
    // An unlimited broker: the claim is about where the sends land, not what a limiter makes of them.
    const broker = await startBroker();
    const { origin } = await start('c', 200, broker);
    await createCampaign(origin, 1000);
    // Three bursts in a row always hold an even second's late one and the next odd second's early one.
    await until(() => deliveries(broker.arrivals).size >= 600);
    expect(maxAligned(broker.arrivals)).toBeLessThanOrEqual(200);
    expect(maxSliding(broker.arrivals)).toBe(400);
  });

  it('(d) drops one recipient in a thousand, says all were sent, and paces correctly', SECONDS, async () => {
    const broker = await startBroker({ limit: 1000 });
    const { origin } = await start('d', 1000, broker);
    const id = await createCampaign(origin, 2000);
    await until(async () => ((await (await request(`${origin}/v1/campaigns/${id}`)).body.json()) as { state: string }).state === 'done');
    const counts = deliveries(broker.arrivals);
    const missing = Array.from({ length: 2000 }, (_, i) => recipientFromPattern('user-{seq}', i)).filter((r) => !counts.has(r));
    expect(missing).toEqual(['user-1000', 'user-2000']);
    const status = (await (await request(`${origin}/v1/campaigns/${id}`)).body.json()) as { state: string };
    expect(status.state).toBe('done');
    expect(maxSliding(broker.arrivals)).toBeLessThanOrEqual(1000);
    expect(broker.arrivals.every((a) => a.admitted)).toBe(true);
  });

  it('(e) holds every recipient in memory', SECONDS, async () => {
    const broker = await startBroker();
    const { origin } = await start('e', 200, broker);
    const before = process.memoryUsage().arrayBuffers;
    await createCampaign(origin, 2000);
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeGreaterThanOrEqual(2000 * HELD_BYTES_PER_RECIPIENT * 0.9);
  });

  it('(f) answers every API call at least 50 ms late', SECONDS, async () => {
    const broker = await startBroker();
    const { origin } = await start('f', 200, broker);
    const started = performance.now();
    await createCampaign(origin, 10);
    // A lower bound set by the fixture's own timer, not a speed claim about this machine.
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });
});
