import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryFeed } from '../../mock-providers/feed.ts';
import { createMockProviders, type MockProviders } from '../../mock-providers/index.ts';
import { RUN_LEASE_MS, RunRegistry } from '../../mock-providers/runs.ts';
import { ALIMTALK_PATH, alimtalkBody } from './helpers.ts';

let mocks: MockProviders | undefined;
afterEach(async () => {
  await mocks?.close();
  mocks = undefined;
});

async function start(token: string | null = null) {
  mocks = createMockProviders({
    ...(token ? { token } : {}),
    providers: { alimtalk: { kind: 'alimtalk', tps: 200 }, fcm: { kind: 'fcm' } },
  });
  const { urls, adminUrl } = await mocks.listen();
  const origin = adminUrl.replace(/\/__mock$/, '');
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const call = async (method: string, path: string, body?: unknown, headers = auth) => {
    const res = await fetch(`${origin}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: the tests read nested JSON answers by path and assert their values
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };
  const send = (recipients: { no: string; clientKey?: string }[]) =>
    fetch(`${urls.alimtalk}${ALIMTALK_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alimtalkBody(recipients.map((r) => ({ ...r, name: 'Kim' })))),
    }).then((r) => r.json());
  return { call, send, origin };
}

describe('run scope on a long-lived mock', () => {
  it('pushes settings for the run, counts only the run, and restores them at its end', async () => {
    const { call, send } = await start();
    await send([{ no: 'before-1' }, { no: 'before-2' }]);
    const begun = await call('POST', '/__mock/runs', { name: 'r1', providers: { alimtalk: { tps: 50, dedupe: true } } });
    expect(begun.status).toBe(201);
    const run = begun.json.runId as string;
    expect(begun.json.providers.alimtalk.config).toMatchObject({ tps: 50, dedupe: true });
    await send([{ no: 'u-1', clientKey: 'k1' }, { no: 'u-2' }]);
    await send([{ no: 'u-1', clientKey: 'k1' }]);
    const stats = await call('GET', `/__mock/alimtalk/stats?run=${run}`);
    // The deliveries before the run are not this run's; the repeated key was deduplicated, not delivered.
    expect(stats.json).toMatchObject({ admitted: 3, delivered: 2, duplicates: 0, deduplicated: 1, limitPerSecond: 50 });
    const ended = await call('DELETE', `/__mock/runs/${run}`);
    expect(ended.json).toEqual({ ended: run, restored: ['alimtalk'] });
    expect((await call('GET', '/__mock/alimtalk/config')).json).toMatchObject({ tps: 200, dedupe: false });
    // Once ended, the run's readers are refused rather than handed another run's figures.
    expect((await call('GET', `/__mock/alimtalk/stats?run=${run}`)).status).toBe(409);
  });

  it('refuses a second run while the first is alive (409): the two would count each other', async () => {
    const { call } = await start();
    const first = (await call('POST', '/__mock/runs', { name: 'spring' })).json.runId as string;
    const second = await call('POST', '/__mock/runs', { name: 'autumn' });
    expect(second.status).toBe(409);
    expect(second.json.error).toMatch(new RegExp(`run ${first} \\(spring\\) holds this mock`));
    expect((await call('GET', `/__mock/alimtalk/stats?run=${first}`)).status).toBe(200);
  });

  it('an abandoned run (no read for the lease) is replaced, and its reader then gets 409', () => {
    const runtimes = new Map();
    const runs = new RunRegistry(runtimes);
    const first = runs.begin({ name: 'crashed' }, 1_000);
    expect(runs.refuse(first.runId, 5_000)).toBeNull(); // a read keeps it alive
    expect(() => runs.begin({}, 5_000 + RUN_LEASE_MS - 1)).toThrow(/holds this mock/);
    const second = runs.begin({}, 5_000 + RUN_LEASE_MS);
    expect(second.replaced).toBe(first.runId);
    expect(runs.refuse(first.runId)).toMatch(/has ended/);
  });

  it.each([
    [{ alimtalk: { latencx: { fixed: 5 } } }, /providers\.alimtalk\.latencx/, /unknown key/],
    [{ alimtalk: { tps: -5 } }, /providers\.alimtalk\.tps/, /./],
    [{ alimtalk: { kind: 'fcm' } }, /providers\.alimtalk/, /./],
    [{ constructor: { tps: 5 } }, /providers\.constructor/, /serves no provider "constructor"/],
    [{ sms: { tps: 5 } }, /providers\.sms/, /it serves: alimtalk, fcm/],
  ])('refuses bad settings %j with 400, naming the key, and changes nothing', async (providers, path, message) => {
    const { call } = await start();
    const res = await call('POST', '/__mock/runs', { providers });
    expect(res.status).toBe(400);
    const issue = (res.json.issues as { path: string[]; message: string }[]).find((i) => path.test(i.path.join('.')));
    expect(issue?.message).toMatch(message);
    expect((await call('GET', '/__mock/alimtalk/config')).json).toMatchObject({ tps: 200 });
    expect((await call('GET', '/__mock/runs/current')).json).toEqual({ run: null });
  });
});

describe('the delivery feed', () => {
  it('returns each delivery once, in order, by cursor, and stops at `until`', async () => {
    const { call, send } = await start();
    const run = (await call('POST', '/__mock/runs', {})).json.runId as string;
    await send([{ no: 'a' }, { no: 'b' }, { no: 'c' }]);
    await send([{ no: 'a' }]);
    const page1 = await call('GET', `/__mock/alimtalk/deliveries?run=${run}&after=0&limit=2`);
    expect(page1.json).toMatchObject({ cursor: 2, head: 4, gone: false });
    expect(page1.json.entries.map((e: { recipient: string }) => e.recipient)).toEqual(['a', 'b']);
    const page2 = await call('GET', `/__mock/alimtalk/deliveries?run=${run}&after=2&until=3`);
    expect(page2.json.entries.map((e: { recipient: string }) => e.recipient)).toEqual(['c']);
    const page3 = await call('GET', `/__mock/alimtalk/deliveries?run=${run}&after=3`);
    expect(page3.json).toMatchObject({ cursor: 4, head: 4 });
    expect(page3.json.entries[0]).toMatchObject({ recipient: 'a', at: expect.any(Number) });
  });

  it('says a cursor is gone (410) when the reader fell further behind than the ring keeps', () => {
    const feed = new DeliveryFeed(4);
    for (let i = 0; i < 6; i++) feed.push(`r${i}`, i);
    expect(feed.read(1, 10).gone).toBe(true);
    expect(feed.read(2, 10)).toMatchObject({ cursor: 6, head: 6, gone: false });
    expect(feed.read(2, 10).entries.map((e) => e.recipient)).toEqual(['r2', 'r3', 'r4', 'r5']);
  });
});

describe('the admin token', () => {
  it('guards every /__mock request; health and metrics stay open', async () => {
    const { call } = await start('s3cret-admin-token');
    expect((await call('GET', '/__mock/alimtalk/stats', undefined, {})).status).toBe(401);
    expect((await call('POST', '/__mock/runs', {}, { authorization: 'Bearer wrong-token-x' })).status).toBe(401);
    expect((await call('POST', '/__mock/reset', {}, {})).status).toBe(401);
    expect((await call('GET', '/__mock/alimtalk/stats')).status).toBe(200);
    expect((await call('GET', '/healthz', undefined, {})).status).toBe(200);
  });

  it('is required to listen beyond loopback', () => {
    expect(() => createMockProviders({ host: '0.0.0.0' })).toThrow(/beyond loopback\) needs an admin token/);
    expect(() => createMockProviders({ host: '0.0.0.0', token: 'long-enough-token' })).not.toThrow();
  });
});
