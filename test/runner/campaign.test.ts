import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/index.ts';
import { type CampaignSpec, expandRecipients, runCampaign } from '../../src/runner/campaign.ts';
import type { LedgerEntry, LedgerSource } from '../../src/runner/ledger.ts';
import { provider } from '../helpers/result-fixture.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A dispatcher stand-in: records the start request and answers with `reply`. */
async function dispatcher(status: number, reply: unknown) {
  const received: { method?: string; url?: string; body?: unknown; at?: number; authorization?: string } = {};
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const authorization = req.headers.authorization;
      Object.assign(received, { method: req.method, url: req.url, authorization, body: JSON.parse(text || 'null'), at: systemClock.now() });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/** A ledger where recipient i (0-based) is delivered `every` ms after the start, with twins and gaps. */
function fakeLedger(startedAt: () => number | undefined, every: number, twice: Set<number>, never: Set<number>): LedgerSource {
  return {
    stats: async () => provider(),
    async lookup(recipients) {
      const start = startedAt();
      return recipients.map((recipient): LedgerEntry => {
        const i = Number(recipient.split('-').pop()) - 1;
        const at = start === undefined ? Number.POSITIVE_INFINITY : start + i * every;
        const done = !never.has(i) && systemClock.now() >= at;
        return { recipient, accepted: 1, delivered: done ? (twice.has(i) ? 2 : 1) : 0, firstDeliveredAt: done ? at : null };
      });
    },
  };
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

  it('starts through the reference API and tracks every recipient to delivery', { timeout: 10_000 }, async () => {
    const d = await dispatcher(202, { id: 'c1', accepted: 20 });
    const ledger = fakeLedger(() => d.received.at, 20, new Set([4]), new Set());
    const stats = await runCampaign(spec({ token: 'secret-token' }), {
      origin: d.url,
      ledger,
      clock: systemClock,
      trackFor: 5000,
      timeout: 2000,
    });
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
    // Recipient 10 of 20 is delivered 9 * 20 ms after the start request reached the dispatcher.
    expect(stats.completion.p50).toBeGreaterThanOrEqual(180);
    expect(stats.completion.p100).toBeGreaterThanOrEqual(380);
    expect(stats.drainTime).toBe(stats.completion.p100);
    expect(stats.curve.at(-1)?.[1]).toBe(20);
    expect(stats.backlog.at(-1)?.[1]).toBe(0);
    expect(stats.curve.length).toBeGreaterThan(1);
  });

  it('calls undelivered recipients lost once the deadline (with grace) passes', { timeout: 10_000 }, async () => {
    const d = await dispatcher(202, { id: 'c1' });
    const ledger = fakeLedger(() => d.received.at, 10, new Set(), new Set([2, 13]));
    const stats = await runCampaign(spec({ deadline: 400 }), {
      origin: d.url,
      ledger,
      clock: systemClock,
      trackFor: 60_000,
      timeout: 2000,
    });
    expect(stats).toMatchObject({ accepted: 20, delivered: 18, lost: 2, duplicated: 0, drainTime: null, deadline: 400 });
    expect(stats.completion.p100).toBeNull();
    expect(stats.completion.p50).not.toBeNull();
    expect(stats.backlog.at(-1)?.[1]).toBe(2);
  });

  it('reports a refused start without tracking', async () => {
    const d = await dispatcher(400, { error: 'unknown template' });
    const stats = await runCampaign(
      spec({ start: { method: 'POST', path: '/api/send/{{template}}', body: { to: '{{pattern}}', n: '{{count}}' } } }),
      {
        origin: d.url,
        ledger: fakeLedger(() => undefined, 10, new Set(), new Set()),
        clock: systemClock,
        trackFor: 60_000,
        timeout: 2000,
      },
    );
    expect(d.received).toMatchObject({ url: '/api/send/welcome', body: { to: 'cmp1-{seq}', n: 20 } });
    expect(stats).toMatchObject({ accepted: 0, delivered: 0, lost: 0, drainTime: null });
    expect(stats.startError).toMatch(/answered 400: .*unknown template/);
  });
});
