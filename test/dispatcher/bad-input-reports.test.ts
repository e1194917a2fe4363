import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dispatcher } from '../../dispatcher/index.ts';
import { toClientKey } from '../../dispatcher/store/db.ts';
import { type ProviderMocks, startProviderMocks } from '../helpers/provider-mocks.ts';
import { call, providersFor, startDispatcher, TOKEN, tempDir } from './harness.ts';
import { driversToRun, freshStore } from './store-drivers.ts';

describe.each(await driversToRun())('%s store', (driver) => {
  let provider: ProviderMocks;
  let d: Dispatcher;
  let url: string;
  let cleanup: () => Promise<void>;
  let clientKeys: string[];

  beforeAll(async () => {
    provider = await startProviderMocks();
    const t = tempDir();
    const store = await freshStore(driver, t.dir);
    cleanup = async () => {
      await store.drop();
      t.cleanup();
    };
    // 1 recipient a second: the rows stay in the outbox while reports arrive.
    ({ d, url } = await startDispatcher(t.dir, { db: store.db, providers: providersFor(provider.urls, { tps: '1/s' }) }));
    await call(url, '/v1/campaigns', { body: { channel: 'alimtalk', template: 't', recipients: ['01000000001', '01000000002'] } });
    const ids = (await d.store.query('SELECT id FROM recipients ORDER BY id')) as { id: number }[];
    clientKeys = ids.map((r) => toClientKey(d.store, r.id));
  });
  afterAll(async () => {
    await d.close();
    await provider.close();
    await cleanup();
  });

  const report = (path: string, body: unknown) => call(url, `${path}?token=${TOKEN}`, { body, token: null });
  const reportCount = async () => ((await d.store.query('SELECT count(*) AS n FROM reports'))[0] as { n: number }).n;
  const row = async (clientKey: string) =>
    (
      await d.store.query('SELECT report_code AS code, report_time AS time FROM recipients WHERE id = ?', [Number(clientKey.split('-')[1])])
    )[0];

  describe('POST /v1/reports/:provider with a prototype key as the provider', () => {
    it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('%s is a 404 naming it, and nothing is stored', async (name) => {
      const before = await reportCount();
      const answer = await report(`/v1/reports/${name}`, { messageId: 'm-proto', resultCode: '1000', reportTime: '2026-11-30T10:00:00Z' });
      expect(answer.status).toBe(404);
      expect(answer.json).toMatchObject({ error: 'unknown_report_provider', message: `provider "${name}" is not configured` });
      expect(await reportCount()).toBe(before);
    });
  });

  describe('delivery report times are instants, not text', () => {
    const body = (clientKey: string, resultCode: string, reportTime: string) => ({ messageId: 'x', clientKey, resultCode, reportTime });

    it('an older time written with an offset does not replace a newer UTC one', async () => {
      const key = clientKeys[0] as string;
      expect((await report('/v1/reports/kakao', body(key, '1000', '2026-11-30T10:00:00Z'))).json).toEqual({ result: 'stored' });
      // 18:00+09:00 is 09:00Z: older. As text it sorted after "10:00:00Z" and won.
      expect((await report('/v1/reports/kakao', body(key, '3018', '2026-11-30T18:00:00+09:00'))).json).toEqual({ result: 'duplicate' });
      expect(await row(key)).toEqual({ code: '1000', time: '2026-11-30T10:00:00.000Z' });
      // The same instant written another way is a repeat: nothing changes.
      expect((await report('/v1/reports/kakao', body(key, '3018', '2026-11-30T19:00:00+09:00'))).json).toEqual({ result: 'duplicate' });
      expect((await row(key))?.code).toBe('1000');
    });

    it('a newer time with milliseconds is stored, not dropped as a duplicate', async () => {
      const key = clientKeys[1] as string;
      expect((await report('/v1/reports/kakao', body(key, '3018', '2026-11-30T10:00:00Z'))).json).toEqual({ result: 'stored' });
      expect((await report('/v1/reports/kakao', body(key, '1000', '2026-11-30T10:00:00.500Z'))).json).toEqual({ result: 'stored' });
      expect(await row(key)).toEqual({ code: '1000', time: '2026-11-30T10:00:00.500Z' });
    });

    it.each([['not a time'], ['2026-11-30 10:00:00'], ['2026-11-30T10:00:00'], ['2026-02-31T10:00:00Z'], ['2026-11-30T25:00:00Z'], ['']])(
      'refuses %j with 400 naming reportTime, storing nothing',
      async (reportTime) => {
        const before = await reportCount();
        const answer = await report('/v1/reports/kakao', body(clientKeys[0] as string, '1000', reportTime));
        expect(answer.status).toBe(400);
        expect(answer.json.message).toBe(
          'delivery report: reportTime: not an ISO-8601 time with a zone, e.g. 2026-11-30T10:00:00Z or 2026-11-30T19:00:00+09:00',
        );
        expect(await reportCount()).toBe(before);
      },
    );
  });
});
