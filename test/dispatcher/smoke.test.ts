import { afterEach, describe, expect, it } from 'vitest';
import { generated, startProviderMocks } from '../helpers/provider-mocks.ts';
import { call, providersFor, startDispatcher, tempDir, waitDone } from './harness.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('dispatcher end to end', () => {
  it.each([
    ['alimtalk', 'kakao'],
    ['push', 'push'],
  ])('sends a generated %s campaign once per recipient', async (channel, provider) => {
    const p = await startProviderMocks({ dedupe: false });
    cleanups.push(() => p.close());
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { d, url } = await startDispatcher(t.dir, { providers: providersFor(p.urls) });
    cleanups.push(() => d.close());
    const created = await call(url, '/v1/campaigns', {
      body: { channel, provider, template: 'welcome', params: { name: 'Kim' }, generator: { count: 500, pattern: '010{n:8}' } },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ total: 500, accepted: 500, duplicates: 0 });
    const done = await waitDone(url, created.json.id as string, 20_000);
    expect(done.counts).toMatchObject({ sent: 500, failed: 0, pending: 0, inFlight: 0 });
    const deliveries = await p.deliveries(channel === 'push' ? 'fcm' : 'alimtalk', generated('010{n:8}', 500));
    expect(deliveries.size).toBe(500);
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
  });
});
