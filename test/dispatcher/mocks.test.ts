import { describe, expect, it } from 'vitest';
import { createMockProviders } from '../../mock-providers/index.ts';
import { call, startDispatcher, TOKEN, tempDir, waitDone } from './harness.ts';

/**
 * The dispatcher against the real mock providers (mock-providers/), over HTTP only: the wire
 * contract from both sides. Alimtalk at the story's 200 TPS with client-key dedupe and delivery
 * reports (duplicated and reordered on purpose) posted back to the dispatcher; FCM unlimited.
 */
describe('dispatcher against the mock providers', () => {
  it('sends each recipient once within the limit and records every delivery report', { timeout: 60_000 }, async () => {
    const mocks = createMockProviders({
      providers: {
        alimtalk: {
          kind: 'alimtalk',
          tps: 200,
          algorithm: 'sliding',
          dedupe: true,
          callbacks: { url: null, duplicateRate: 0.2, reorderRate: 0.2, failureRate: 0.1 },
        },
        fcm: { kind: 'fcm', tps: null },
      },
    });
    const { urls } = await mocks.listen();
    const t = tempDir();
    const { d, url } = await startDispatcher(t.dir, {
      providers: {
        kakao: { kind: 'alimtalk', baseUrl: urls.alimtalk, tps: '200/s' },
        push: { kind: 'fcm', baseUrl: urls.fcm },
      },
    });
    try {
      const kakao = mocks.providers.alimtalk;
      kakao?.reconfigure({
        callbacks: { url: `${url}/v1/reports/kakao?token=${TOKEN}`, duplicateRate: 0.2, reorderRate: 0.2, failureRate: 0.1 },
      });
      const alimtalk = await call(url, '/v1/campaigns', {
        body: { channel: 'alimtalk', template: 'welcome', params: { name: 'Kim' }, generator: { count: 600, pattern: '010{n:8}' } },
      });
      const push = await call(url, '/v1/campaigns', {
        body: { channel: 'push', template: 'sale', generator: { count: 500, pattern: 'device-{n}' } },
      });
      expect(alimtalk.status).toBe(201);
      expect(push.status).toBe(201);
      const done = await waitDone(url, alimtalk.json.id as string, 30_000);
      await waitDone(url, push.json.id as string, 30_000);
      expect(done.counts).toMatchObject({ sent: 600, failed: 0 });
      const stats = kakao?.stats();
      expect(stats).toMatchObject({ admitted: 600, rejected: 0, duplicates: 0 });
      expect(stats?.maxPerSecondWindow).toBeLessThanOrEqual(200);
      expect(mocks.providers.fcm?.stats()).toMatchObject({ admitted: 500, duplicates: 0 });
      await kakao?.callbacksIdle();
      const after = await call(url, `/v1/campaigns/${alimtalk.json.id}`);
      const counts = after.json.counts as Record<string, number>;
      expect((counts.delivered ?? 0) + (counts.undelivered ?? 0)).toBe(600);
      expect(counts.undelivered).toBeGreaterThan(0);
    } finally {
      await d.close();
      await mocks.close();
      t.cleanup();
    }
  });
});
