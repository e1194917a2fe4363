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

describe('overload over real sockets (real time, small numbers)', () => {
  it('the broker at 10x its 20/s limit for 2 s answers every request, 200 or 429 -2001, and never admits more than a window allows', async () => {
    const started = await startMocks({ providers: { alimtalk: { kind: 'alimtalk', tps: 20 } } });
    closeReal = started.close;
    const url = started.urls.alimtalk + ALIMTALK_PATH;
    const answers: number[] = [];
    for (let tick = 0; tick < 20; tick++) {
      const batch = await Promise.all(Array.from({ length: 20 }, (_, i) => post(url, alimtalkBody([{ no: `0${tick}-${i}`, name: 'n' }]))));
      for (const a of batch) answers.push(a.status === 200 || (a.status === 429 && a.json.header.resultCode === -2001) ? a.status : -1);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(answers).toHaveLength(400);
    expect(answers).not.toContain(-1);
    const stats = started.mocks.providers.alimtalk!.stats();
    expect(stats.admitted + stats.rejected).toBe(400);
    // The limiter's windows are epoch-aligned: count admissions per epoch second from the journal.
    const perEpochSecond = new Map<number, number>();
    for (const e of started.mocks.providers.alimtalk!.journal(0, 1000).entries) {
      if (e.outcome === 'accepted') perEpochSecond.set(Math.floor(e.t / 1000), (perEpochSecond.get(Math.floor(e.t / 1000)) ?? 0) + e.units);
    }
    expect(Math.max(...perEpochSecond.values())).toBeLessThanOrEqual(20);
    expect([...perEpochSecond.values()].reduce((a, b) => a + b, 0)).toBe(stats.admitted);
    expect(stats.maxPerSecondWindow).toBeLessThanOrEqual(40);
    // Still serving afterwards.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await post(url, alimtalkBody([{ no: 'after', name: 'n' }]))).status).toBe(200);
  });
});
