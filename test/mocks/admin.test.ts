import { afterEach, describe, expect, it } from 'vitest';
import { createMockProviders, type MockProviders } from '../../mock-providers/index.ts';
import { createManualClock, ProviderStats } from '../../src/core/index.ts';
import { ALIMTALK_PATH, alimtalkBody, fcmBody, getJson, post, startMocks } from './helpers.ts';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function put(url: string, body: unknown) {
  const response = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  // biome-ignore lint/suspicious/noExplicitAny: test assertions dig into admin bodies
  return { status: response.status, json: (await response.json()) as any };
}

describe('admin API', () => {
  it('serves stats matching ProviderStats, config at run time, journal pages, duplicates, reset and /metrics', async () => {
    const started = await startMocks({ providers: { fcm: { kind: 'fcm', tps: '3/min' } } });
    close = started.close;
    const { adminUrl } = started;
    const url = `${started.urls.fcm}/v1/projects/demo/messages:send`;
    const auth = { authorization: 'Bearer t' };
    for (let i = 0; i < 5; i++) await post(url, fcmBody('same-device'), auth);
    const stats = ProviderStats.parse(await getJson(`${adminUrl}/fcm/stats`));
    expect(stats).toMatchObject({ kind: 'fcm', unit: 'messages', admitted: 3, rejected: 2, maxPerSecondWindow: 3, duplicates: 1 });
    expect(stats.offenders).toEqual([{ recipient: 'same-device', count: 3 }]);
    expect(stats.limitPerSecond).toBeCloseTo(0.05);

    // Raise the limit at run time: sends pass again.
    const changed = await put(`${adminUrl}/fcm/config`, { tps: '600000/min' });
    expect([changed.status, changed.json.tps]).toEqual([200, 10_000]);
    expect((await post(url, fcmBody('other'), auth)).status).toBe(200);
    expect((await getJson(`${adminUrl}/fcm/config`)).tps).toBe(10_000);

    const bad = await put(`${adminUrl}/fcm/config`, { tps: 'fast', tsp: 1 });
    expect(bad.status).toBe(400);
    expect(bad.json.issues.map((i: { path: string[] }) => i.path.join('.')).sort()).toEqual(['tps', 'tsp']);
    expect((await put(`${adminUrl}/fcm/config`, { kind: 'ses' })).status).toBe(400);

    const page = await getJson(`${adminUrl}/fcm/journal?offset=2&limit=3`);
    expect(page.total).toBe(6);
    expect(page.entries.map((e: { seq: number; status: number }) => [e.seq, e.status])).toEqual([
      [2, 200],
      [3, 429],
      [4, 429],
    ]);
    const duplicates = await getJson(`${adminUrl}/fcm/duplicates`);
    expect(duplicates).toMatchObject({ duplicates: 1, offenders: [{ recipient: 'same-device', accepted: 3, delivered: 3 }] });

    const metrics = await (await fetch(adminUrl.replace('/__mock', '/metrics'))).text();
    expect(metrics).toContain('floodgate_mock_requests_total{provider="fcm",status="429"} 2');
    // All four admitted within the minute; within one second unless a starved machine spread the
    // requests above over more than a second (seen with two suites and stress on 2 cores).
    expect(metrics).toContain('floodgate_mock_window_max_units{provider="fcm",window="60s"} 4');
    expect(metrics).toMatch(/floodgate_mock_window_max_units\{provider="fcm",window="1s"\} [34]\n/);

    expect((await fetch(`${adminUrl}/fcm/reset`, { method: 'POST' })).status).toBe(200);
    expect(await getJson(`${adminUrl}/fcm/stats`)).toMatchObject({ admitted: 0, duplicates: 0, perSecond: [] });
    expect((await fetch(`${adminUrl}/nope/stats`)).status).toBe(404);
    expect(await getJson(adminUrl)).toEqual({ providers: [{ name: 'fcm', kind: 'fcm', url: started.urls.fcm }] });
  });
});

describe('library factory', () => {
  let mocks: MockProviders | undefined;
  afterEach(async () => {
    await mocks?.close();
    mocks = undefined;
  });

  it('serves every registered kind by default, each under its own base URL', async () => {
    mocks = createMockProviders();
    const { urls } = await mocks.listen();
    expect(Object.keys(urls)).toEqual(['fcm', 'ses', 'sendgrid', 'alimtalk', 'sms']);
    expect(urls.alimtalk).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/alimtalk$/);
    expect(Object.values(mocks.providers).map((p) => p.stats().limitPerSecond)).toEqual([10_000, 14, 600, 200, 300]);
  });

  it('an adversarial sender straddling a second boundary passes the aligned window yet shows ~2x in the sliding maximum', async () => {
    const clock = createManualClock(1_800_000_000_000 + 900);
    mocks = createMockProviders({ providers: { alimtalk: { kind: 'alimtalk', tps: 200 } } }, { clock });
    const burst = () =>
      mocks!.app.inject({
        method: 'POST',
        url: `/alimtalk${ALIMTALK_PATH}`,
        payload: alimtalkBody(Array.from({ length: 100 }, (_, i) => ({ no: `0${clock.now()}-${i}`, name: 'n' }))),
      });
    // 200 recipients in the last 100 ms of one second, 200 in the first 100 ms of the next.
    for (const step of [0, 50, 100, 50]) {
      await clock.advance(step);
      expect((await burst()).json().header.resultCode).toBe(0);
    }
    const stats = mocks.providers.alimtalk!.stats();
    expect(stats.admitted).toBe(400);
    expect(stats.rejected).toBe(0);
    expect(stats.maxPerSecondWindow).toBe(400);
  });
});
