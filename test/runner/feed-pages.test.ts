import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { createMockProviders } from '../../mock-providers/index.ts';
import { ProviderTracker } from '../../src/runner/delivery-tracker.ts';
import { beginMockSession, FEED_PAGE_LIMIT } from '../../src/runner/mock-session.ts';

const mocks = createMockProviders({ providers: { alimtalk: { kind: 'alimtalk', tps: null } } });
afterAll(() => mocks.close());

/** Sends recipients `c-{from}`..`c-{to - 1}` to the Alimtalk mock, 1,000 a request (its maximum). */
async function send(url: string, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 1000) {
    const recipientList = Array.from({ length: Math.min(1000, to - i) }, (_, k) => ({
      recipientNo: `c-${i + k}`,
      templateParameter: { name: 'x' },
    }));
    const res = await request(`${url}/alimtalk/v2.3/appkeys/floodgate-app/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ senderKey: 'floodgate-sender', templateCode: 'welcome', recipientList }),
    });
    expect(res.statusCode).toBe(200);
    await res.body.text();
  }
}

describe('delivery feed pages', () => {
  it('reads a backlog larger than a page whole, at most FEED_PAGE_LIMIT deliveries a page', { timeout: 20_000 }, async () => {
    const { urls, adminUrl } = await mocks.listen();
    const session = await beginMockSession({ alimtalk: { adminUrl: adminUrl.replace(/\/__mock$/, '') } }, { name: 'pages', timeout: 5000 });
    try {
      const total = FEED_PAGE_LIMIT * 2 + 500;
      await send(urls.alimtalk as string, 0, total);
      const pages: number[] = [];
      const tracker = new ProviderTracker('alimtalk', async (after, until) => {
        const page = await session.deliveries('alimtalk', after, until);
        pages.push(page.entries.length);
        return page;
      });
      const track = tracker.track('c', 'c-{n}', total);
      await tracker.poll();
      expect(tracker.error).toBeNull();
      expect(track.reached).toBe(total);
      expect(tracker.read).toBe(total);
      // Bounded pages: each is parsed in one piece on the runner's event loop, which the pacer shares.
      expect(Math.max(...pages)).toBeLessThanOrEqual(FEED_PAGE_LIMIT);
      expect(pages.length).toBeGreaterThanOrEqual(3);
    } finally {
      expect(await session.end()).toEqual([]);
    }
  });
});
