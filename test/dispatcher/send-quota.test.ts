import { describe, expect, it } from 'vitest';
import { parseDispatcherConfig } from '../../dispatcher/index.ts';
import { createMockProviders } from '../../mock-providers/index.ts';
import { call, startDispatcher, tempDir, waitDone } from './harness.ts';

type Mocks = ReturnType<typeof createMockProviders>;

/** Starts an SES mock with a small 24-hour (or shorter) quota and a dispatcher account on it. */
async function setup(mock: { quota: number; quotaWindow?: string }, account: Record<string, unknown>) {
  const mocks: Mocks = createMockProviders({ providers: { ses: { kind: 'ses', tps: 200, ...mock } } });
  const { urls } = await mocks.listen();
  const t = tempDir();
  const { d, url } = await startDispatcher(t.dir, { providers: { mail: { kind: 'ses', baseUrl: urls.ses, tps: '200/s', ...account } } });
  const close = async () => {
    await d.close();
    await mocks.close();
    t.cleanup();
  };
  return { mocks, url, close };
}

async function campaign(url: string, count: number): Promise<string> {
  const res = await call(url, '/v1/campaigns', {
    body: { channel: 'email', template: 'daily', generator: { count, pattern: 'reader-{n}@mail.test' } },
  });
  expect(res.status).toBe(201);
  return res.json.id as string;
}

/** Polls until `ok` holds of the campaign's status (bounded). */
async function until(url: string, id: string, ok: (s: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let i = 0; i < 300; i++) {
    const { json } = await call(url, `/v1/campaigns/${id}`);
    if (ok(json)) return json;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`campaign ${id} never reached the expected state`);
}

const counts = (s: Record<string, unknown>) => s.counts as Record<string, number>;

async function quotaOf(url: string, name: string) {
  const { json } = await call(url, '/v1/providers');
  return (json.providers as { name: string; quota: Record<string, unknown> | null }[]).find((p) => p.name === name)?.quota;
}

describe('the dispatcher honours a provider send quota', () => {
  it('sends exactly the quota, then pauses: the rest stay pending, nothing is refused, the pause is reported', {
    timeout: 60_000,
  }, async () => {
    const s = await setup({ quota: 50 }, { dailyQuota: '50/24h' });
    try {
      const id = await campaign(s.url, 80);
      const status = await until(s.url, id, (j) => counts(j).sent === 50 && counts(j).pending === 30);
      expect(counts(status)).toMatchObject({ sent: 50, pending: 30, failed: 0, claimed: 0, inFlight: 0 });
      expect(status.quotaPaused).toBe(true);
      // A while later: still paused, nothing sent into the exhausted quota.
      await new Promise((r) => setTimeout(r, 1000));
      expect(counts((await call(s.url, `/v1/campaigns/${id}`)).json)).toMatchObject({ sent: 50, pending: 30, failed: 0 });
      expect(s.mocks.providers.ses?.stats()).toMatchObject({ admitted: 50, rejected: 0 });
      expect(await quotaOf(s.url, 'mail')).toMatchObject({ limit: 50, used: 50, paused: true, reason: 'counted' });
      const metrics = (await call(s.url, '/metrics')).json.text as string;
      expect(metrics).toMatch(/floodgate_dispatcher_quota_paused\{provider="mail"\} 1/);
      expect(metrics).toMatch(/floodgate_dispatcher_quota_used\{provider="mail"\} 50/);
    } finally {
      await s.close();
    }
  });

  it('resumes when the window frees units, and the provider never refuses one', { timeout: 60_000 }, async () => {
    // A 3 s window stands for SES's 24 h: 50 go, the other 30 wait for the first 50 to leave it.
    const s = await setup({ quota: 50, quotaWindow: '3s' }, { dailyQuota: '50/3s' });
    try {
      const id = await campaign(s.url, 80);
      await until(s.url, id, (j) => counts(j).sent === 50 && j.quotaPaused === true);
      const done = await waitDone(s.url, id, 30_000);
      expect(counts(done)).toMatchObject({ sent: 80, failed: 0 });
      expect(s.mocks.providers.ses?.stats()).toMatchObject({ admitted: 80, rejected: 0, duplicates: 0 });
      expect(await quotaOf(s.url, 'mail')).toMatchObject({ paused: false });
    } finally {
      await s.close();
    }
  });

  it('pauses on the provider quota answer when the account states no quota, probing once a slot rather than hammering', {
    timeout: 60_000,
  }, async () => {
    const s = await setup({ quota: 50 }, { maxInFlight: 1 });
    try {
      const id = await campaign(s.url, 80);
      await until(s.url, id, (j) => counts(j).sent === 50 && j.quotaPaused === true);
      await new Promise((r) => setTimeout(r, 1500));
      const status = (await call(s.url, `/v1/campaigns/${id}`)).json;
      expect(counts(status)).toMatchObject({ sent: 50, pending: 30, failed: 0 });
      // One request found the quota used up; the next probe is a minute (24 h / 1440) away.
      expect(s.mocks.providers.ses?.stats()).toMatchObject({ admitted: 50, rejected: 1 });
      expect(await quotaOf(s.url, 'mail')).toMatchObject({ limit: null, paused: true, reason: 'provider' });
    } finally {
      await s.close();
    }
  });

  it('refuses a malformed quota naming the field', () => {
    const parse = (dailyQuota: unknown) =>
      parseDispatcherConfig({ token: 'x'.repeat(16), providers: { mail: { kind: 'ses', baseUrl: 'http://127.0.0.1:1', dailyQuota } } });
    const problem = (dailyQuota: unknown) => {
      try {
        parse(dailyQuota);
      } catch (error) {
        return JSON.stringify((error as { issues?: unknown }).issues);
      }
      return 'accepted';
    };
    expect(parse('50000/24h').providers.mail?.dailyQuota).toEqual({ limit: 50_000, windowMs: 86_400_000 });
    expect(parse('2,000/d').providers.mail?.dailyQuota).toEqual({ limit: 2000, windowMs: 86_400_000 });
    expect(problem('lots')).toMatch(/"providers","mail","dailyQuota".*a send quota such as 50000\/24h/);
    expect(problem('0/24h')).toMatch(/at least 1/);
  });
});
