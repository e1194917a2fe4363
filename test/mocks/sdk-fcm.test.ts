import type { Agent } from 'node:https';
import { type App, deleteApp, initializeApp } from 'firebase-admin/app';
import { getMessaging } from 'firebase-admin/messaging';
import { afterEach, describe, expect, it } from 'vitest';
import { mockHttpsAgent } from '../../mock-providers/index.ts';
import { startMocks } from './helpers.ts';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

let appCount = 0;

/**
 * firebase-admin 13 pointed at the mock with documented initialisation only: a `credential`
 * whose `getAccessToken()` needs no Google OAuth, and `httpAgent` (mockHttpsAgent).
 */
async function firebase(providers: Record<string, unknown>, baseOf: (urls: Record<string, string>) => string) {
  const started = await startMocks({ providers } as never);
  cleanup.push(started.close);
  const agent: Agent = mockHttpsAgent(baseOf(started.urls));
  cleanup.push(async () => agent.destroy());
  const app: App = initializeApp(
    {
      projectId: 'demo-floodgate',
      credential: { getAccessToken: async () => ({ access_token: 'mock-token', expires_in: 3600 }) },
      httpAgent: agent,
    },
    `floodgate-sdk-${++appCount}`,
  );
  cleanup.push(() => deleteApp(app));
  return { started, messaging: getMessaging(app) };
}

const push = (token: string, key?: string) => ({
  token,
  notification: { title: 'Sale', body: '50% off' },
  ...(key ? { data: { client_key: key } } : {}),
});

describe('FCM through firebase-admin 13, unchanged', () => {
  it('send() gets the message name and is counted; over the quota it rejects with messaging/message-rate-exceeded', async () => {
    const { started, messaging } = await firebase({ fcm: { kind: 'fcm', tps: '2/min' } }, (u) => u.fcm as string);
    const name = await messaging.send(push('device-1', 'k-1'));
    expect(name).toMatch(/^projects\/demo-floodgate\/messages\/fcm-/);
    await messaging.send(push('device-2'));
    const error = await messaging.send(push('device-3')).catch((e: unknown) => e);
    // firebase-admin maps FCM's 429 RESOURCE_EXHAUSTED / QUOTA_EXCEEDED to this code.
    expect(error).toMatchObject({ code: 'messaging/message-rate-exceeded' });
    const provider = started.mocks.providers.fcm;
    expect(provider?.stats()).toMatchObject({ kind: 'fcm', admitted: 2, rejected: 1 });
    expect(provider?.journal().entries.map((e) => [e.status, e.outcome, e.recipient])).toEqual([
      [200, 'accepted', 'device-1'],
      [200, 'accepted', 'device-2'],
      [429, 'over-limit', null],
    ]);
    expect(provider?.ledger.lookup('device-1', 'Sale\u000150% off\u0001{}', null)).toMatchObject({ accepted: 1, delivered: 1 });
  });

  it('sendEach() (legacy HTTP/1.1 transport) reports each success and the over-quota ones per message', async () => {
    const { started, messaging } = await firebase({ fcm: { kind: 'fcm', tps: '3/min' } }, (u) => u.fcm as string);
    // v13 sends sendEach over HTTP/2 to fcm.googleapis.com, a session no option can redirect.
    messaging.enableLegacyHttpTransport();
    const batch = await messaging.sendEach(['a', 'b', 'c', 'd', 'e'].map((t) => push(`device-${t}`)));
    expect(batch.successCount).toBe(3);
    expect(batch.failureCount).toBe(2);
    const outcomes = batch.responses.map((r) => (r.success ? 'ok' : r.error?.code));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'messaging/message-rate-exceeded')).toHaveLength(2);
    for (const r of batch.responses.filter((x) => x.success)) expect(r.messageId).toMatch(/^projects\/demo-floodgate\/messages\/fcm-/);
    expect(started.mocks.providers.fcm?.stats()).toMatchObject({ admitted: 3, rejected: 2 });
  });

  it('serves the only FCM provider at the root whatever its name, sharing its limiter with its prefixed path', async () => {
    const { started, messaging } = await firebase({ push: { kind: 'fcm', tps: '2/min' }, ses: { kind: 'ses' } }, (u) => u.push as string);
    await messaging.send(push('device-1'));
    const prefixed = await fetch(`${started.urls.push}/v1/projects/demo-floodgate/messages:send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
      body: JSON.stringify({ message: push('device-2') }),
    });
    expect(prefixed.status).toBe(200);
    await expect(messaging.send(push('device-3'))).rejects.toMatchObject({ code: 'messaging/message-rate-exceeded' });
    expect(started.mocks.providers.push?.stats()).toMatchObject({ admitted: 2, rejected: 1 });
  });

  it('serves none at the root when several FCM providers exist and none is named fcm', async () => {
    const started = await startMocks({ providers: { a: { kind: 'fcm' }, b: { kind: 'fcm' } } });
    cleanup.push(started.close);
    const root = (started.urls.a as string).replace(/\/a$/, '');
    const response = await fetch(`${root}/v1/projects/p/messages:send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
      body: JSON.stringify({ message: push('device-1') }),
    });
    expect(response.status).toBe(404);
  });

  it('mockHttpsAgent refuses a URL that is not the mock’s plain http', () => {
    expect(() => mockHttpsAgent('https://fcm.googleapis.com')).toThrow(/must be an http:\/\/ URL/);
  });
});
