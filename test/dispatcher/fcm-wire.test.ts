import { describe, expect, it } from 'vitest';
import { createMockProviders } from '../../mock-providers/index.ts';
import { call, startDispatcher, tempDir, waitDone } from './harness.ts';

/**
 * The FCM client's two wires against the real FCM mock: HTTP/1.1 (undici, a raw dispatch
 * handler) and h2c (a base URL `h2c://...`: HTTP/2 with prior knowledge on one connection).
 * Either way every recipient is delivered once, with its client key, and a 429's Retry-After
 * is honoured (nothing is lost or counted as an attempt).
 */
describe('dispatcher FCM client wires', () => {
  for (const scheme of ['http', 'h2c'] as const) {
    it(`${scheme}: delivers every recipient once with its client key, through 429s`, { timeout: 60_000 }, async () => {
      const mocks = createMockProviders({ providers: { fcm: { kind: 'fcm', tps: null, dedupe: true } } });
      const { urls } = await mocks.listen();
      const t = tempDir();
      const baseUrl = (urls.fcm as string).replace(/^http:/, `${scheme}:`);
      const { d, url } = await startDispatcher(t.dir, { providers: { push: { kind: 'fcm', baseUrl, maxInFlight: 64 } } });
      try {
        const created = await call(url, '/v1/campaigns', {
          body: { channel: 'push', template: 'sale', generator: { count: 400, pattern: 'device-{n}' } },
        });
        expect(created.status).toBe(201);
        const done = await waitDone(url, created.json.id as string, 30_000);
        expect(done.counts).toMatchObject({ sent: 400, failed: 0, uncertain: 0 });
        const stats = mocks.providers.fcm?.stats();
        expect(stats).toMatchObject({ admitted: 400, delivered: 400, duplicates: 0, deduplicated: 0 });
        expect(stats?.deliveriesPerRecipient).toEqual({ 1: 400 });
        // Every request carried a client key this dispatcher issued (guarantee 3).
        const journal = mocks.providers.fcm?.journal(0, 1000);
        expect(journal?.entries.filter((e) => e.outcome === 'accepted')).toHaveLength(400);
      } finally {
        await d.close();
        await mocks.close();
        t.cleanup();
      }
    });
  }

  it('h2c: a 429 with Retry-After pauses the account and nothing is lost', { timeout: 60_000 }, async () => {
    const mocks = createMockProviders({ providers: { fcm: { kind: 'fcm', tps: 50, window: 1000 } } });
    const { urls } = await mocks.listen();
    const t = tempDir();
    const baseUrl = (urls.fcm as string).replace(/^http:/, 'h2c:');
    // No tps configured at the dispatcher: only the mock's 429s hold it back.
    const { d, url } = await startDispatcher(t.dir, { providers: { push: { kind: 'fcm', baseUrl, maxInFlight: 16 } } });
    try {
      const created = await call(url, '/v1/campaigns', {
        body: { channel: 'push', template: 'sale', generator: { count: 120, pattern: 'device-{n}' } },
      });
      const done = await waitDone(url, created.json.id as string, 30_000);
      expect(done.counts).toMatchObject({ sent: 120, failed: 0 });
      const stats = mocks.providers.fcm?.stats();
      expect(stats?.rejected).toBeGreaterThan(0);
      expect(stats).toMatchObject({ admitted: 120, delivered: 120, duplicates: 0 });
    } finally {
      await d.close();
      await mocks.close();
      t.cleanup();
    }
  });
});
