import { afterEach, describe, expect, it } from 'vitest';
import { createMockProviders, type MockProviders } from '../../mock-providers/index.ts';
import { createManualClock } from '../../src/core/index.ts';
import { ALIMTALK_PATH, alimtalkBody, fcmBody, post, startMocks } from './helpers.ts';

let mocks: MockProviders | undefined;
let closeReal: (() => Promise<void>) | undefined;
afterEach(async () => {
  await mocks?.close();
  await closeReal?.();
  mocks = closeReal = undefined;
});

const AUTH = { authorization: 'Bearer test' };

/** What `inject()` answers, as the shape checks read it. */
// biome-ignore lint/suspicious/noExplicitAny: shape checks dig into provider bodies
type Injected = { statusCode: number; json(): any; headers: Record<string, unknown> };

/** Per provider: the request, and the over-limit shape it must answer (status + body/header test). */
const CASES = [
  {
    name: 'fcm',
    url: '/fcm/v1/projects/demo/messages:send',
    payload: (i: number) => fcmBody(`device-${i}`),
    overLimit: (r: Injected) =>
      r.statusCode === 429 &&
      r.json().error.status === 'RESOURCE_EXHAUSTED' &&
      r.json().error.details[0].errorCode === 'QUOTA_EXCEEDED' &&
      Number(r.headers['retry-after']) >= 1,
    // 60 s window from the first message: 10/s x 60 s = 600, all in the first 6 s.
    admitted: 600,
  },
  {
    name: 'ses',
    url: '/ses/v2/email/outbound-emails',
    payload: (i: number) => ({
      FromEmailAddress: 'a@example.com',
      Destination: { ToAddresses: [`r${i}@example.com`] },
      Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
    }),
    overLimit: (r: Injected) =>
      r.statusCode === 429 &&
      r.headers['x-amzn-errortype'] === 'TooManyRequestsException' &&
      r.json().message === 'Maximum sending rate exceeded.' &&
      r.headers['retry-after'] === undefined,
    // A full bucket of 10, then 10/s until the last request at 29.99 s: 10 + 299.9 -> 309.
    admitted: 309,
  },
  {
    name: 'sendgrid',
    url: '/sendgrid/v3/mail/send',
    payload: (i: number) => ({
      personalizations: [{ to: [{ email: `r${i}@example.com` }] }],
      from: { email: 'a@example.com' },
      subject: 's',
      content: [{ type: 'text/plain', value: 'v' }],
    }),
    overLimit: (r: Injected) =>
      r.statusCode === 429 && r.json().errors[0].message === 'too many requests' && r.headers['x-ratelimit-remaining'] === '0',
    admitted: 300,
  },
  {
    name: 'alimtalk',
    url: `/alimtalk${ALIMTALK_PATH}`,
    payload: (i: number) => alimtalkBody([{ no: `010${i}`, name: 'Kim' }]),
    overLimit: (r: Injected) => r.statusCode === 429 && r.json().header.resultCode === -2001 && r.headers['retry-after'] === '1',
    admitted: 300,
  },
] as const;

describe('overload: 10x the limit for 30 s (manual clock, every request through the HTTP stack by inject)', () => {
  it.each(CASES)(
    '$name answers every excess in its over-limit shape and keeps serving',
    async (c) => {
      // Start on an epoch-second boundary so aligned windows split evenly.
      const clock = createManualClock(1_800_000_000_000);
      mocks = createMockProviders({ providers: { [c.name]: { kind: c.name, tps: 10 } } as never }, { clock });
      const tally = { ok: 0, overLimit: 0, other: 0 };
      for (let i = 0; i < 100 * 30; i++) {
        const r = await mocks.app.inject({ method: 'POST', url: c.url, payload: c.payload(i), headers: AUTH });
        if (r.statusCode < 300) tally.ok++;
        else if (c.overLimit(r)) tally.overLimit++;
        else tally.other++;
        await clock.advance(10);
      }
      expect(tally).toEqual({ ok: c.admitted, overLimit: 3000 - c.admitted, other: 0 });
      const stats = mocks.providers[c.name]?.stats();
      expect(stats?.admitted).toBe(c.admitted);
      expect(stats?.rejected).toBe(3000 - c.admitted);
      expect(stats?.duplicates).toBe(0);
    },
    30_000,
  );
});

describe('overload over real sockets: 10x the limit for 30 s of real time, all four providers at once', () => {
  /**
   * What each shape admits at most in 30 s at 20 units/s, and a floor (70%: this shared machine
   * may stall the sender for whole windows) that shows it is not simply refusing everything.
   */
  const BOUNDS: Record<(typeof CASES)[number]['name'], [number, number]> = {
    fcm: [1200 * 0.7, 1200], // 1,200 a minute from the first message: all in the first 6 s
    ses: [600 * 0.7, 20 + 20 * 31], // a full bucket, then 20/s
    sendgrid: [600 * 0.7, 20 * 31], // epoch-aligned 1 s windows, up to 31 touched
    alimtalk: [600 * 0.7, 20 * 31],
  };

  it('answers every request 2xx or in the provider over-limit shape, admits what the shape allows, and keeps serving', async () => {
    const config = Object.fromEntries(CASES.map((c) => [c.name, { kind: c.name, tps: c.name === 'fcm' ? '1200/min' : 20 }]));
    const started = await startMocks({ providers: config as never });
    closeReal = started.close;
    const tally = Object.fromEntries(CASES.map((c) => [c.name, { ok: 0, overLimit: 0, other: 0 }]));
    const origin = started.adminUrl.replace(/\/__mock$/, '');
    const send = async (c: (typeof CASES)[number], i: number) => {
      const a = await post(origin + c.url, c.payload(i), AUTH);
      const asInjected: Injected = { statusCode: a.status, json: () => a.json, headers: Object.fromEntries(a.headers) };
      const t = tally[c.name] as { ok: number; overLimit: number; other: number };
      if (a.status < 300) t.ok++;
      else if (c.overLimit(asInjected)) t.overLimit++;
      else t.other++;
    };
    // 200 requests a second per provider (10x its 20/s), paced in 50 ms ticks for 30 s.
    const startedAt = Date.now();
    const inFlight: Promise<void>[] = [];
    for (let tick = 0; tick < 600; tick++) {
      for (const c of CASES) for (let j = 0; j < 10; j++) inFlight.push(send(c, tick * 10 + j));
      const next = startedAt + (tick + 1) * 50;
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
    await Promise.all(inFlight);
    for (const c of CASES) {
      const t = tally[c.name] as { ok: number; overLimit: number; other: number };
      const [floor, ceiling] = BOUNDS[c.name];
      expect({ provider: c.name, other: t.other, total: t.ok + t.overLimit }).toEqual({ provider: c.name, other: 0, total: 6000 });
      expect(t.ok, `${c.name} admitted`).toBeLessThanOrEqual(ceiling);
      expect(t.ok, `${c.name} admitted`).toBeGreaterThanOrEqual(floor);
      const stats = started.mocks.providers[c.name]!.stats();
      expect(stats.admitted + stats.rejected).toBe(6000);
    }
    // Still serving afterwards, for every provider.
    await new Promise((r) => setTimeout(r, 1100));
    for (const c of CASES) expect((await post(origin + c.url, c.payload(99_999), AUTH)).status).toBeLessThan(500);
  }, 90_000);
});
