import { afterEach, describe, expect, it } from 'vitest';
import { DuplicateLedger } from '../../mock-providers/index.ts';
import { fcmBody, post, startMocks } from './helpers.ts';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function lookup(adminUrl: string, provider: string, body: unknown) {
  const response = await fetch(`${adminUrl}/${provider}/lookup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test assertions dig into admin bodies
  return { status: response.status, json: (await response.json()) as any };
}

describe('per-recipient lookup (campaign reconciliation)', () => {
  it('counts deliveries per recipient whatever the content, with the first delivery time', async () => {
    const started = await startMocks({ providers: { fcm: { kind: 'fcm' } } });
    close = started.close;
    const url = `${started.urls.fcm}/v1/projects/demo/messages:send`;
    const before = Date.now();
    await post(url, fcmBody('dev-1'), { authorization: 'Bearer t' });
    await post(url, { message: { token: 'dev-1', notification: { title: 'Other', body: 'content' } } }, { authorization: 'Bearer t' });
    await post(url, fcmBody('dev-2'), { authorization: 'Bearer t' });
    const { status, json } = await lookup(started.adminUrl, 'fcm', { recipients: ['dev-1', 'dev-2', 'never'] });
    expect(status).toBe(200);
    expect(
      json.entries.map((e: { recipient: string; accepted: number; delivered: number }) => [e.recipient, e.accepted, e.delivered]),
    ).toEqual([
      ['dev-1', 2, 2],
      ['dev-2', 1, 1],
      ['never', 0, 0],
    ]);
    const first = json.entries[0].firstDeliveredAt;
    expect(first).toBeGreaterThanOrEqual(before - 5);
    expect(first).toBeLessThanOrEqual(Date.now() + 5);
    expect(json.entries[2].firstDeliveredAt).toBeNull();
  });

  it('answers 400 for a bad body and 404 for an unknown provider, and keeps serving', async () => {
    const started = await startMocks({ providers: { fcm: { kind: 'fcm' } } });
    close = started.close;
    expect((await lookup(started.adminUrl, 'fcm', { recipients: [1, 2] })).status).toBe(400);
    expect((await lookup(started.adminUrl, 'fcm', ['a'])).status).toBe(400);
    expect((await lookup(started.adminUrl, 'nope', { recipients: [] })).status).toBe(404);
    expect((await lookup(started.adminUrl, 'fcm', { recipients: ['a'] })).status).toBe(200);
  });
});

describe('ledger timestamps', () => {
  it('keeps the first delivery offset through growth, and none for accepted-only keys', () => {
    const ledger = new DuplicateLedger(16, { timestamps: true });
    for (let i = 0; i < 1000; i++) ledger.record(`r${i}`, '', null, i % 10 !== 0, 1000 + i);
    ledger.record('r5', '', null, true, 99_999);
    expect(ledger.lookup('r5', '', null)).toEqual({ accepted: 2, delivered: 2, firstDeliveredAt: 1005 });
    expect(ledger.lookup('r10', '', null)).toEqual({ accepted: 1, delivered: 0, firstDeliveredAt: null });
    expect(new DuplicateLedger().lookup('x', '', null)).toEqual({ accepted: 0, delivered: 0 });
  });
});
