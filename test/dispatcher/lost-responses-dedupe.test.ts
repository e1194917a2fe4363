import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createMockProviders } from '../../mock-providers/index.ts';
import { call, startDispatcher, tempDir, waitDone } from './harness.ts';

/**
 * Story 2 (point accrual) at small scale: the provider accepts a batch but its answer never
 * arrives (a latency tail past the sender's timeout), so the dispatcher retries those rows with
 * the same client keys, and the provider's dedupe must recognise them. That only works while the
 * keys are inside the provider's dedupe window (10 min at the Alimtalk mock by default, 3 s here).
 *
 * Found in a 1,000,000-recipient run (15 min > the 10-min window): retried rows were claimed only
 * after every never-tried row (`ORDER BY next_at`, fresh rows have next_at 0), i.e. at the end of
 * the campaign, so the retries of batches lost in the first 5 minutes came after the provider had
 * forgotten their keys, and 30 batches of 100 were delivered twice.
 */

interface Seen {
  /** Client keys of one request, in order of arrival at the provider. */
  keys: string[];
}

/**
 * A pass-through proxy in front of the mock: forwards every request (so the provider accepts
 * it) but swallows the answer of the first request carrying `loseRecipient`, holding the
 * connection open until the client gives up. Records every request's client keys in order.
 */
async function startLossyProxy(target: string, loseRecipient: string) {
  const seen: Seen[] = [];
  let lost: string[] | null = null;
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const list = (JSON.parse(body) as { recipientList: { recipientNo: string; clientKey: string }[] }).recipientList;
    seen.push({ keys: list.map((r) => r.clientKey) });
    const upstream = await fetch(`${target}${req.url}`, {
      method: req.method ?? 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const text = await upstream.text();
    if (lost === null && list.some((r) => r.recipientNo === loseRecipient)) {
      // Accepted by the provider, answer lost: the dispatcher's timeout fires and it retries.
      lost = list.map((r) => r.clientKey);
      return;
    }
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    lostKeys: () => lost,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('dispatcher: responses lost under provider dedupe', () => {
  it('retries a batch whose answer was lost while the provider still knows its keys', { timeout: 60_000 }, async () => {
    const recipients = 3000;
    const batch = 50;
    const mocks = createMockProviders({
      providers: {
        points: { kind: 'alimtalk', tps: null, dedupe: true, dedupeWindow: 3000, templates: { accrual: '#{points} points credited.' } },
      },
    });
    const { urls } = await mocks.listen();
    const proxy = await startLossyProxy(new URL(urls.points as string).origin, 'acc-00000');
    const t = tempDir();
    // 3,000 at 500/s keeps fresh work queued for about 6 s, twice the provider's dedupe window.
    const { d, url } = await startDispatcher(t.dir, {
      providers: { points: { kind: 'alimtalk', baseUrl: `${proxy.url}/points`, tps: '500/s', timeout: '400ms', batchSize: batch } },
      sender: { lease: '1500ms' },
    });
    try {
      const created = await call(url, '/v1/campaigns', {
        body: {
          channel: 'alimtalk',
          template: 'accrual',
          params: { points: '100' },
          generator: { count: recipients, pattern: 'acc-{n:5}' },
        },
      });
      expect(created.status).toBe(201);
      const done = await waitDone(url, created.json.id as string, 45_000);
      expect(done.counts).toMatchObject({ sent: recipients, failed: 0 });

      const lost = proxy.lostKeys();
      expect(lost).toHaveLength(batch);
      const stats = mocks.providers.points?.stats();
      // The lost batch reached the provider twice (first attempt and retry), every recipient once.
      // Beside a CPU hog another answer can outlast the 400 ms timeout too: its retry is also a
      // repeat the provider's dedupe answers, so repeats are counted, not assumed to be one batch.
      expect(stats?.deduplicated).toBeGreaterThanOrEqual(batch);
      expect((stats?.admitted ?? 0) - (stats?.deduplicated ?? 0)).toBe(recipients);
      expect(stats?.deliveriesPerRecipient).toEqual({ 1: recipients });
      expect(stats?.duplicateDeliveries).toBe(0);

      // Why: the retry went out among the next requests, not behind the whole fresh backlog.
      const firstKey = (lost as string[])[0] as string;
      const attempts = proxy.seen.flatMap((s, i) => (s.keys.includes(firstKey) ? [i] : []));
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect(attempts[1]).toBeLessThan(proxy.seen.length / 2);
    } finally {
      await d.close();
      await proxy.close();
      await mocks.close();
      t.cleanup();
    }
  });
});
