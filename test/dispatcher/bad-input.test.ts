import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dispatcher } from '../../dispatcher/index.ts';
import { type ProviderMocks, startProviderMocks } from '../helpers/provider-mocks.ts';
import { call, providersFor, startDispatcher, tempDir } from './harness.ts';
import { driversToRun, freshStore } from './store-drivers.ts';

describe.each(await driversToRun())('%s store', (driver) => {
  let provider: ProviderMocks;
  let d: Dispatcher;
  let url: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    provider = await startProviderMocks();
    const t = tempDir();
    const store = await freshStore(driver, t.dir);
    cleanup = async () => {
      await store.drop();
      t.cleanup();
    };
    // 1 recipient a second: rows stay in the outbox while the assertions look at it.
    ({ d, url } = await startDispatcher(t.dir, { db: store.db, providers: providersFor(provider.urls, { tps: '1/s' }) }));
  });
  afterAll(async () => {
    await d.close();
    await provider.close();
    await cleanup();
  });

  const rows = async () =>
    (
      await d.store.query(
        'SELECT (SELECT count(*) FROM campaigns) AS campaigns, (SELECT count(*) FROM recipients) AS recipients, (SELECT count(*) FROM reports) AS reports',
      )
    )[0];
  const good = { channel: 'alimtalk', template: 'welcome' };
  const garbage = Buffer.alloc(10 * 1024 * 1024, 'x');

  describe('bad input: a clear 4xx with a reason, nothing stored half-way', () => {
    it.each([
      ['malformed JSON', { raw: '{"channel": "alimtalk", ', headers: { 'content-type': 'application/json' } }, 400, /JSON/i],
      ['unknown channel', { body: { ...good, channel: 'pigeon', recipients: ['01012345678'] } }, 400, /unknown channel "pigeon"/],
      ['unknown provider', { body: { ...good, provider: 'nope', recipients: ['01012345678'] } }, 400, /provider: "nope"/],
      ['empty list', { body: { ...good, recipients: [] } }, 400, /empty/],
      ['neither list nor generator', { body: good }, 400, /exactly one of/],
      ['unknown field', { body: { ...good, recipients: ['1'], colour: 'red' } }, 400, /colour/],
      ['a bad recipient in the list', { body: { ...good, recipients: ['01012345678', 42] } }, 400, /recipients\[1\]/],
      ['10 MB of garbage as JSON', { raw: garbage, headers: { 'content-type': 'application/json' } }, 413, /body/i],
      [
        '10 MB of garbage as NDJSON',
        { raw: garbage, headers: { 'content-type': 'application/x-ndjson' }, query: good },
        400,
        /longer than/,
      ],
      ['garbage of an unknown type', { raw: 'hello', headers: { 'content-type': 'application/octet-stream' } }, 415, /content-type/i],
      [
        'a bad NDJSON line after two full batches',
        {
          raw: `${Array.from({ length: 12_000 }, (_, i) => JSON.stringify(`0101${i}`)).join('\n')}\n{oops\n`,
          headers: { 'content-type': 'application/x-ndjson' },
          query: good,
        },
        400,
        /line 12001: not valid JSON/,
      ],
      [
        'CSV without a `to` column',
        { raw: 'phone,name\n010,Kim\n', headers: { 'content-type': 'text/csv' }, query: good },
        400,
        /`to` column/,
      ],
      ['missing token', { body: { ...good, recipients: ['01012345678'] }, token: null }, 401, /missing bearer token/],
      ['wrong token', { body: { ...good, recipients: ['01012345678'] }, token: 'wrong-token-123456789' }, 401, /wrong bearer token/],
    ] as const)('%s', async (_name, request, status, reason) => {
      const before = await rows();
      const { query, ...init } = request as typeof request & { query?: Record<string, string> };
      const path = query ? `/v1/campaigns?${new URLSearchParams(query)}` : '/v1/campaigns';
      const res = await call(url, path, { method: 'POST', ...(init as object) });
      expect(res.status).toBe(status);
      expect(String(res.json.message)).toMatch(reason);
      expect(await rows()).toEqual(before);
      expect((await call(url, '/healthz')).status).toBe(200);
    });

    it('accepts a list with duplicates and counts them', async () => {
      const res = await call(url, '/v1/campaigns', {
        body: { ...good, recipients: ['01000000001', '01000000002', '01000000001', { to: '01000000002' }] },
      });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({ total: 4, accepted: 2, duplicates: 2 });
      const status = await call(url, `/v1/campaigns/${res.json.id}`);
      expect(status.json).toMatchObject({ total: 4, duplicates: 2 });
    });

    it('refuses a report for a message it never issued, storing nothing', async () => {
      const before = await rows();
      const report = {
        messageId: 'm-unknown',
        recipientNo: '010',
        clientKey: 'ffffffff-123',
        resultCode: '1000',
        reportTime: new Date().toISOString(),
      };
      const res = await call(url, '/v1/reports/kakao', { body: report });
      expect(res.status).toBe(404);
      expect(res.json).toMatchObject({ error: 'unknown_message' });
      expect(await rows()).toEqual(before);
      const noProvider = await call(url, '/v1/reports/pigeon', { body: report });
      expect(noProvider.status).toBe(404);
      const noToken = await call(url, '/v1/reports/kakao', { body: report, token: null });
      expect(noToken.status).toBe(401);
    });

    it('answers an unknown campaign with 404', async () => {
      expect((await call(url, '/v1/campaigns/999999')).status).toBe(404);
      expect((await call(url, '/v1/campaigns/abc')).status).toBe(404);
    });
  });
});
