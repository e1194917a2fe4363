import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { toClientKey } from '../../dispatcher/store/db.ts';
import { createMockProviders } from '../../mock-providers/index.ts';
import { generated, type ProviderMocksOptions, providerMocksConfig, startProviderMocks } from '../helpers/provider-mocks.ts';
import { call, providersFor, startDispatcher, TOKEN, tempDir, waitDone } from './harness.ts';
import { type Driver, driversToRun, freshStore } from './store-drivers.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fresh store of `driver` in a temp dir (SQLite) or schema (PostgreSQL), dropped after the test. */
async function storeFor(driver: Driver) {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const store = await freshStore(driver, t.dir);
  cleanups.push(store.drop);
  return { dir: t.dir, db: store.db };
}

async function setup(driver: Driver, tps?: string) {
  const p = await startProviderMocks();
  cleanups.push(() => p.close());
  const { dir, db } = await storeFor(driver);
  const { d, url } = await startDispatcher(dir, { db, providers: providersFor(p.urls, tps ? { tps } : {}) });
  cleanups.push(() => d.close());
  return { p, d, url };
}

describe.each(await driversToRun())('%s store', (driver) => {
  describe('campaign ingest', () => {
    it('streams 200,000 generated recipients into the outbox', { timeout: 60_000 }, async () => {
      const { d, url } = await setup(driver, '1/s');
      const res = await call(url, '/v1/campaigns', {
        body: { channel: 'alimtalk', template: 't', generator: { count: 200_000, pattern: '010{n:8}' } },
      });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({ total: 200_000, accepted: 200_000, duplicates: 0 });
      expect(await d.store.query('SELECT count(*) AS n FROM recipients')).toEqual([{ n: 200_000 }]);
    });

    it('ingests a streamed NDJSON upload with duplicates and per-recipient params', async () => {
      const { p, url } = await setup(driver);
      const lines = function* () {
        for (let i = 0; i < 30_000; i++) yield `${JSON.stringify({ to: `0102${i % 25_000}`, params: { name: `n${i}` } })}\n`;
      };
      const query = new URLSearchParams({ channel: 'alimtalk', template: 'welcome', params: '{"shop":"floodgate"}' });
      const res = await fetch(`${url}/v1/campaigns?${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' },
        body: Readable.toWeb(Readable.from(lines())) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      const json = (await res.json()) as Record<string, unknown>;
      expect(res.status).toBe(201);
      expect(json).toMatchObject({ total: 30_000, accepted: 25_000, duplicates: 5_000 });
      await waitDone(url, json.id as string, 30_000);
      const recipients = Array.from({ length: 25_000 }, (_, i) => `0102${i}`);
      expect((await p.deliveries('alimtalk', recipients)).size).toBe(25_000);
    });

    it('ingests CSV with a header row, other columns becoming params', async () => {
      const { url } = await setup(driver, '1/s');
      const csv = 'to,name\n01011112222,Kim\n"01033334444","Lee, ""J"""\n01011112222,Dup\n';
      const res = await call(url, '/v1/campaigns?channel=alimtalk&template=welcome', { raw: csv, headers: { 'content-type': 'text/csv' } });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({ total: 3, accepted: 2, duplicates: 1 });
    });

    it('answers a repeated Idempotency-Key with the original answer, and 409 for another body', async () => {
      const { url } = await setup(driver, '1/s');
      const body = { channel: 'push', template: 't', recipients: ['a', 'b'] };
      const headers = { 'idempotency-key': 'campaign-1' };
      const first = await call(url, '/v1/campaigns', { body, headers });
      const again = await call(url, '/v1/campaigns', { body, headers });
      expect(first.status).toBe(201);
      expect(again).toEqual(first);
      const other = await call(url, '/v1/campaigns', { body: { ...body, recipients: ['c'] }, headers });
      expect(other.status).toBe(409);
      expect(other.json.message).toMatch(/different body/);
    });
  });

  describe('transactional messages', () => {
    it('sends one message, idempotent by key', async () => {
      const { p, url } = await setup(driver);
      const body = { channel: 'push', to: 'device-1', template: 'otp', params: { code: '1234' } };
      const first = await call(url, '/v1/messages', { body, headers: { 'idempotency-key': 'otp-1' } });
      expect(first.status).toBe(202);
      const again = await call(url, '/v1/messages', { body, headers: { 'idempotency-key': 'otp-1' } });
      expect(again.json.id).toBe(first.json.id);
      expect((await call(url, '/v1/messages', { body: { ...body, to: 'device-2' }, headers: { 'idempotency-key': 'otp-1' } })).status).toBe(
        409,
      );
      const second = await call(url, '/v1/messages', { body: { ...body, to: 'device-3' } });
      expect(second.status).toBe(202);
      const devices = ['device-1', 'device-2', 'device-3'];
      for (let i = 0; i < 100 && (await p.deliveries('fcm', devices)).size < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(Object.fromEntries(await p.deliveries('fcm', devices))).toEqual({ 'device-1': 1, 'device-3': 1 });
    });
  });

  describe('delivery reports', () => {
    it('stores reports before the send, dedupes them, and keeps the newest', async () => {
      const { d, url } = await setup(driver, '1/s');
      const created = await call(url, '/v1/campaigns', {
        body: { channel: 'alimtalk', template: 't', recipients: ['01000000001', '01000000002', '01000000003'] },
      });
      const rowId = ((await d.store.query("SELECT id FROM recipients WHERE recipient = '01000000003'"))[0] as { id: number }).id;
      const clientKey = toClientKey(d.store, rowId);
      const report = (code: string, time: string) => ({
        messageId: 'x1',
        recipientNo: '01000000003',
        clientKey,
        resultCode: code,
        reportTime: time,
      });
      const post = (r: unknown) => call(url, `/v1/reports/kakao?token=${TOKEN}`, { body: r, token: null });
      expect((await post(report('3016', '2026-01-01T00:00:02Z'))).json).toEqual({ result: 'stored' });
      expect((await post(report('3016', '2026-01-01T00:00:02Z'))).json).toEqual({ result: 'duplicate' });
      // An older report arriving late does not overwrite the newer one.
      expect((await post(report('1000', '2026-01-01T00:00:01Z'))).json).toEqual({ result: 'duplicate' });
      expect((await post(report('1000', '2026-01-01T00:00:03Z'))).json).toEqual({ result: 'stored' });
      const status = await call(url, `/v1/campaigns/${created.json.id}`);
      expect(status.json.counts).toMatchObject({ delivered: 1, undelivered: 0 });
      expect(await d.store.query('SELECT count(*) AS n FROM reports')).toEqual([{ n: 1 }]);
    });

    it('keeps a report without a client key for a message not yet recorded, and applies it when the send lands', async () => {
      const { d, url } = await setup(driver);
      // The mock's ids come from its seed: a twin with the same config names its first message the
      // same way. Report that id before anything is sent.
      const first = await firstAlimtalkMessageId();
      const early = await call(url, '/v1/reports/kakao', {
        body: { messageId: first, resultCode: '1000', reportTime: '2026-01-01T00:00:00Z' },
      });
      expect(early.status).toBe(202);
      expect(early.json.result).toBe('orphan');
      const created = await call(url, '/v1/campaigns', { body: { channel: 'alimtalk', template: 't', recipients: ['01000000001'] } });
      await waitDone(url, created.json.id as string, 10_000);
      expect(await d.store.query('SELECT report_code FROM recipients WHERE message_id = ?', [first])).toEqual([{ report_code: '1000' }]);
    });
  });

  describe('metrics and health', () => {
    it('exposes backlog, in flight, sent/s, rejected, RSS, heap and event-loop lag', async () => {
      const { url } = await setup(driver);
      const res = await fetch(`${url}/metrics`);
      const text = await res.text();
      for (const name of [
        'floodgate_dispatcher_backlog',
        'floodgate_dispatcher_in_flight',
        'floodgate_dispatcher_sent_per_second',
        'floodgate_dispatcher_rejected_total',
        'floodgate_dispatcher_process_resident_memory_bytes',
        'floodgate_dispatcher_nodejs_heap_size_used_bytes',
        'floodgate_dispatcher_nodejs_eventloop_lag_seconds',
      ]) {
        expect(text).toContain(name);
      }
      expect((await call(url, '/healthz')).json).toEqual({ ok: true });
    });
  });

  describe('provider trouble', () => {
    async function run(options: ProviderMocksOptions, providerExtra: Record<string, unknown>, count: number) {
      const p = await startProviderMocks(options);
      cleanups.push(() => p.close());
      const { dir, db } = await storeFor(driver);
      const { d, url } = await startDispatcher(dir, {
        db,
        providers: { push: { ...providersFor(p.urls).push, ...providerExtra } },
        sender: { retryBase: '20ms', retryMax: '200ms' },
      });
      cleanups.push(() => d.close());
      const created = await call(url, '/v1/campaigns', {
        body: { channel: 'push', template: 't', generator: { count, pattern: 'device-{n}' } },
      });
      const done = await waitDone(url, created.json.id as string, 30_000);
      const deliveries = await p.deliveries('fcm', generated('device-{n}', count));
      return { p, d, done, deliveries };
    }

    it('slows down on 429 when its own limit is set too high, and still sends each message once', async () => {
      const { p, d, done, deliveries } = await run({ limit: 50 }, { tps: '400/s' }, 300);
      expect(done.counts).toMatchObject({ sent: 300, failed: 0 });
      expect(p.stats('fcm').rejected).toBeGreaterThan(0);
      expect(d.senders.get('push')?.counters.rejected).toBeGreaterThan(0);
      expect(deliveries.size).toBe(300);
      expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
    });

    // 500 INTERNAL: the mock's 503 carries FCM's Retry-After of 10 s, too slow for a test.
    it('retries 5xx with backoff and the same client key', async () => {
      const { p, d, done, deliveries } = await run({ fcmFaults: [{ action: 'status', status: 500, probability: 0.33 }] }, {}, 200);
      expect(done.counts).toMatchObject({ sent: 200, failed: 0, uncertain: 0 });
      expect(d.senders.get('push')?.counters.retried).toBeGreaterThan(0);
      expect(p.mocks.providers.fcm?.journal(0, 10_000).entries.filter((e) => e.status === 500).length).toBeGreaterThan(0);
      expect(deliveries.size).toBe(200);
      expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
    });

    it.each([
      [true, 'delivers once'],
      [false, 'flags the duplicates'],
    ])('after a lost response (timeout), with provider dedupe %s: %s', async (dedupe) => {
      const lost = new Set([5, 17]);
      const { d, done, deliveries } = await run({ dedupe, lostResponses: lost }, { timeout: '300ms' }, 50);
      // The two lost answers time out; on a starved machine other requests can pass 300 ms too,
      // so more rows may be flagged (9 beside `stress --cpu 2`), never fewer.
      expect(done.counts).toMatchObject({ sent: 50, failed: 0 });
      expect((done.counts as Record<string, number>).uncertain).toBeGreaterThanOrEqual(2);
      const uncertain = new Set(
        ((await d.store.query('SELECT recipient FROM recipients WHERE uncertain = 1')) as { recipient: string }[]).map((r) => r.recipient),
      );
      const duplicated = [...deliveries].filter(([, n]) => n > 1).map(([r]) => r);
      if (dedupe) expect(duplicated).toEqual([]);
      else {
        // The two whose answers were lost were delivered and sent again; every duplicate is flagged.
        expect(duplicated.length).toBeGreaterThanOrEqual(2);
        expect(duplicated.filter((r) => !uncertain.has(r))).toEqual([]);
      }
      expect(deliveries.size).toBe(50);
    });
  });
});

/** The id the Alimtalk mock gives its first accepted message, read from a twin (same config, same seed). */
async function firstAlimtalkMessageId(): Promise<string> {
  const twin = createMockProviders(providerMocksConfig());
  try {
    const res = await twin.app.inject({
      method: 'POST',
      url: '/alimtalk/alimtalk/v2.3/appkeys/floodgate-app/messages',
      payload: { senderKey: 'floodgate-sender', templateCode: 't', recipientList: [{ recipientNo: '01000000001', templateParameter: {} }] },
    });
    return res.json().message.sendResults[0].messageId as string;
  } finally {
    await twin.close();
  }
}
