import { afterEach, describe, expect, it } from 'vitest';
import { createMockProviders, type MockProviders } from '../../mock-providers/index.ts';
import { createManualClock, InputError } from '../../src/core/index.ts';
import { fcmBody } from './helpers.ts';

let mocks: MockProviders | undefined;
afterEach(async () => {
  await mocks?.close();
  mocks = undefined;
});

describe('FCM quota over HTTP', () => {
  it('counts requests answered 4xx toward the quota, but not the 429s; the window opens at the first message', async () => {
    const clock = createManualClock(1_800_000_000_000 + 12_345);
    mocks = createMockProviders({ providers: { fcm: { kind: 'fcm', tps: '3/min' } } }, { clock });
    const send = (body: unknown) =>
      mocks!.app.inject({
        method: 'POST',
        url: '/fcm/v1/projects/demo/messages:send',
        headers: { authorization: 'Bearer t' },
        payload: body as object,
      });
    for (let i = 0; i < 3; i++) expect((await send({ message: { notification: {} } })).statusCode).toBe(400);
    for (let i = 0; i < 5; i++) expect((await send(fcmBody(`d${i}`))).statusCode).toBe(429);
    await clock.advance(59_999);
    expect((await send(fcmBody('late'))).statusCode).toBe(429);
    await clock.advance(1);
    // 60 s after the first message: a new window, untouched by the six 429s.
    for (let i = 0; i < 3; i++) expect((await send(fcmBody(`n${i}`))).statusCode).toBe(200);
    expect((await send(fcmBody('over'))).statusCode).toBe(429);
    expect(mocks.providers.fcm?.stats()).toMatchObject({ admitted: 6, rejected: 7, deliveriesPerRecipient: { '1': 3 } });
  });

  it('refuses a bad programmatic config with one InputError naming each key', () => {
    expect(() => createMockProviders({ providers: { fcm: { kind: 'fcm', tps: 'lots', wndow: 1 } as never } })).toThrow(InputError);
    try {
      createMockProviders({ providers: { fcm: { kind: 'fcm', tps: 'lots', wndow: 1 } as never } });
    } catch (error) {
      expect((error as InputError).issues.map((i) => i.path.join('.')).sort()).toEqual(['providers.fcm.tps', 'providers.fcm.wndow']);
    }
  });
});
