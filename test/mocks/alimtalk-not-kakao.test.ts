import { afterEach, describe, expect, it } from 'vitest';
import { createMockProviders, type MockProviders } from '../../mock-providers/index.ts';
import { ALIMTALK_PATH, alimtalkBody } from './helpers.ts';

let mocks: MockProviders | undefined;
afterEach(async () => {
  await mocks?.close();
  mocks = undefined;
});

describe('Alimtalk broker: recipients who are not KakaoTalk users', () => {
  it('fails a stable share of numbers with Kakao 3019, delivered to no one, the same numbers on every attempt', async () => {
    mocks = createMockProviders({ providers: { alimtalk: { kind: 'alimtalk', tps: null, notKakaoUsers: 0.1 } } });
    const numbers = Array.from({ length: 1000 }, (_, i) => `010${String(i).padStart(8, '0')}`);
    const send = async () => {
      const r = await (mocks as MockProviders).app.inject({
        method: 'POST',
        url: `/alimtalk${ALIMTALK_PATH}`,
        payload: alimtalkBody(numbers.map((no) => ({ no, name: 'Kim' }))),
      });
      return (r.json().message.sendResults as { recipientNo: string; resultCode: number; messageId: string | null }[]).filter(
        (x) => x.resultCode === 3019,
      );
    };
    const first = await send();
    // A hash picks them: about a tenth, not exactly.
    expect(first.length).toBeGreaterThan(60);
    expect(first.length).toBeLessThan(140);
    expect(first.every((x) => x.messageId === null)).toBe(true);
    const again = await send();
    expect(again.map((x) => x.recipientNo)).toEqual(first.map((x) => x.recipientNo));
    // The others were delivered twice (two sends of the same text): only they are in the feed.
    expect(mocks.providers.alimtalk?.stats().delivered).toBe(2 * (1000 - first.length));
  });

  it('fails no one by default', async () => {
    mocks = createMockProviders({ providers: { alimtalk: { kind: 'alimtalk', tps: null } } });
    const r = await mocks.app.inject({
      method: 'POST',
      url: `/alimtalk${ALIMTALK_PATH}`,
      payload: alimtalkBody([{ no: '01000000001', name: 'Kim' }]),
    });
    expect(r.json().message.sendResults[0].resultCode).toBe(0);
  });
});
