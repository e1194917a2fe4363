import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockProviders } from '../../mock-providers/index.ts';
import { createManualClock } from '../../src/core/index.ts';
import { ALIMTALK_PATH, alimtalkBody, getJson, post, startMocks } from './helpers.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function broker(config: Record<string, unknown> = {}) {
  const started = await startMocks({ providers: { alimtalk: { kind: 'alimtalk', ...config } } as never });
  cleanups.push(started.close);
  return { ...started, send: started.urls.alimtalk + ALIMTALK_PATH, provider: started.mocks.providers.alimtalk! };
}

const WELCOME = '안녕하세요 Kim님, floodgate에 오신 것을 환영합니다.';

describe('Alimtalk broker', () => {
  it('answers 3016 per recipient whose text differs from the template or lacks a parameter', async () => {
    const { send, provider } = await broker();
    const res = await post(
      send,
      alimtalkBody([
        { no: '01000000001', name: 'Kim', content: WELCOME },
        { no: '01000000002', name: 'Kim', content: `${WELCOME} ` },
        { no: '01000000003' },
        { no: '01000000004', name: 'Lee' },
      ]),
    );
    expect(res.status).toBe(200);
    expect(res.json.header).toEqual({ isSuccessful: true, resultCode: 0, resultMessage: 'success' });
    expect(res.json.message.sendResults.map((r: { resultCode: number }) => r.resultCode)).toEqual([0, 3016, 3016, 0]);
    expect(res.json.message.sendResults[1]).toMatchObject({ recipientSeq: 2, recipientNo: '01000000002', messageId: null });
    expect(provider.ledger.keys).toBe(2);
  });

  it.each([
    ['unknown templateCode', { templateCode: 'nope' }, '/alimtalk/v2.3/appkeys/floodgate-app/messages', -1006],
    ['unknown senderKey', { senderKey: 'nope' }, '/alimtalk/v2.3/appkeys/floodgate-app/messages', -1007],
    ['unknown appKey', {}, '/alimtalk/v2.3/appkeys/other/messages', -1008],
    [
      'more than 1000 recipients',
      { recipientList: Array.from({ length: 1001 }, (_, i) => ({ recipientNo: `0${i}` })) },
      ALIMTALK_PATH,
      -1000,
    ],
    ['a missing recipientNo', { recipientList: [{ templateParameter: {} }] }, ALIMTALK_PATH, -1000],
  ])('refuses %s with 400 and header resultCode', async (_name, patch, path, code) => {
    const { urls, provider } = await broker();
    const res = await post(urls.alimtalk + path, { ...alimtalkBody([{ no: '010', name: 'Kim' }]), ...patch });
    expect(res.status).toBe(400);
    expect(res.json.header).toMatchObject({ isSuccessful: false, resultCode: code });
    expect(provider.stats()).toMatchObject({ admitted: 0, deliveriesPerRecipient: {} });
  });

  it('rejects a repeated X-Idempotency-Key with -1005 and sends nothing', async () => {
    const { send, provider } = await broker();
    const headers = { 'x-idempotency-key': 'batch-7' };
    const first = await post(send, alimtalkBody([{ no: '010', name: 'Kim' }]), headers);
    const again = await post(send, alimtalkBody([{ no: '010', name: 'Kim' }]), headers);
    expect(first.json.header.resultCode).toBe(0);
    expect(again.status).toBe(200);
    expect(again.json.header).toEqual({ isSuccessful: false, resultCode: -1005, resultMessage: 'duplicate request' });
    expect(provider.stats()).toMatchObject({ admitted: 1, duplicates: 0 });
  });

  it.each([
    [true, -1005, 0, { '1': 1 }],
    [false, 0, 1, { '2': 1 }],
  ])('dedupe %s: a repeated client key answers %i, duplicates %i', async (dedupe, code, duplicates, perRecipient) => {
    const { send, provider } = await broker({ dedupe });
    const body = alimtalkBody([{ no: '010', name: 'Kim', clientKey: 'order-1' }]);
    const first = await post(send, body);
    const again = await post(send, body);
    expect(again.json.message.sendResults[0].resultCode).toBe(code);
    if (dedupe) expect(again.json.message.sendResults[0].messageId).toBe(first.json.message.sendResults[0].messageId);
    expect(provider.stats()).toMatchObject({ duplicates, deliveriesPerRecipient: perRecipient, deduplicated: dedupe ? 1 : 0 });
    // The ledger keys on recipient x content, whatever the client key.
    expect(provider.ledger.lookup('010', WELCOME, null)).toEqual({ accepted: 2, delivered: dedupe ? 1 : 2 });
  });

  it.each([
    ['a new key per attempt', ['order-1', 'order-1-retry']],
    ['no key at all', [undefined, undefined]],
  ])('dedupe on, a retry with %s: the same text reached the same person twice, a duplicate', async (_what, keys) => {
    const { send, provider } = await broker({ dedupe: true });
    for (const clientKey of keys) await post(send, alimtalkBody([{ no: '010', name: 'Kim', ...(clientKey ? { clientKey } : {}) }]));
    expect(provider.stats()).toMatchObject({ duplicates: 1, duplicateDeliveries: 1, deduplicated: 0, deliveriesPerRecipient: { '2': 1 } });
  });

  it.each([
    ['reject', 429, '1'],
    ['code', 200, null],
  ])('over the limit in mode %s answers %i with -2001', async (overLimit, status, retryAfter) => {
    const { send, provider } = await broker({ tps: 2, overLimit });
    await post(send, alimtalkBody([{ no: '1', name: 'a' }]));
    const res = await post(
      send,
      alimtalkBody([
        { no: '2', name: 'b' },
        { no: '3', name: 'c' },
      ]),
    );
    expect(res.status).toBe(status);
    expect(res.headers.get('retry-after')).toBe(retryAfter);
    expect(res.json).toEqual({ header: { isSuccessful: false, resultCode: -2001, resultMessage: 'TPS limit exceeded' } });
    expect(provider.stats()).toMatchObject({ admitted: 1, rejected: 2 });
  });

  it('brownout admits everything but answers later the more the limit is exceeded', async () => {
    const clock = createManualClock(1_000_000);
    const mocks = createMockProviders({ providers: { alimtalk: { kind: 'alimtalk', tps: 10, overLimit: 'brownout' } } }, { clock });
    cleanups.push(() => mocks.close());
    const inject = () =>
      mocks.app.inject({
        method: 'POST',
        url: `/alimtalk${ALIMTALK_PATH}`,
        payload: alimtalkBody(Array.from({ length: 10 }, (_, i) => ({ no: `${i}`, name: 'n' }))),
      });
    expect((await inject()).statusCode).toBe(200); // 10 at 10/s: served at once
    let done = false;
    const second = inject().then((r) => {
      done = true;
      return r;
    });
    await clock.advance(999);
    expect(done).toBe(false);
    await clock.advance(1);
    expect((await second).statusCode).toBe(200);
    expect(mocks.providers.alimtalk?.stats()).toMatchObject({ admitted: 20, rejected: 0 });
  });
});

describe('Alimtalk delivery reports', () => {
  it('POSTs a report per accepted recipient to a real receiver, retrying after a 500', async () => {
    const received: { body: Record<string, unknown>; status: number }[] = [];
    const seen = new Set<string>();
    const receiver: Server = createServer((req: IncomingMessage, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        const body = JSON.parse(data) as Record<string, unknown>;
        // The first report for each message fails: the broker must retry.
        const status = seen.has(body.messageId as string) ? 200 : 500;
        seen.add(body.messageId as string);
        received.push({ body, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => receiver.close(() => r())));
    const port = (receiver.address() as { port: number }).port;
    const { send, provider, adminUrl } = await broker({
      callbacks: { url: `http://127.0.0.1:${port}/reports`, delay: { fixed: '10ms' }, backoff: '20ms' },
      faults: [{ action: 'unreported', recipient: '^0109' }],
    });
    const res = await post(
      send,
      alimtalkBody([
        { no: '0101', name: 'Kim', clientKey: 'c1' },
        { no: '0102', name: 'Lee' },
        { no: '0109', name: 'Park' },
        { no: '0103', content: 'wrong' },
      ]),
    );
    expect(res.json.message.sendResults.map((r: { resultCode: number }) => r.resultCode)).toEqual([0, 0, 0, 3016]);
    await provider.callbacksIdle();
    expect(received).toHaveLength(4);
    expect(received.map((r) => r.status).sort()).toEqual([200, 200, 500, 500]);
    const delivered = received.filter((r) => r.status === 200).map((r) => r.body);
    expect(delivered.map((b) => b.recipientNo).sort()).toEqual(['0101', '0102']);
    const report = delivered.find((b) => b.recipientNo === '0101');
    expect(report).toMatchObject({ messageId: res.json.message.sendResults[0].messageId, clientKey: 'c1', resultCode: '1000' });
    expect(new Date(report?.reportTime as string).toISOString()).toBe(report?.reportTime);
    expect(provider.stats().callbacks).toEqual({ sent: 2, delivered: 2, failed: 0, attempts: 4 });
    const page = await getJson(`${adminUrl}/alimtalk/callbacks?limit=10`);
    expect(page.entries).toHaveLength(4);
    expect(
      page.entries.filter((e: { ok: boolean }) => !e.ok).map((e: { attempt: number; status: number }) => [e.attempt, e.status]),
    ).toEqual([
      [1, 500],
      [1, 500],
    ]);
  });

  it('sends every report twice with duplicateRate 1, each counted as sent', async () => {
    const bodies: string[] = [];
    const receiver = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        bodies.push(data);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => receiver.close(() => r())));
    const port = (receiver.address() as { port: number }).port;
    const { send, provider } = await broker({ callbacks: { url: `http://127.0.0.1:${port}/`, delay: { fixed: 0 }, duplicateRate: 1 } });
    await post(
      send,
      alimtalkBody([
        { no: '0101', name: 'Kim' },
        { no: '0102', name: 'Lee' },
      ]),
    );
    await provider.callbacksIdle();
    const ids = bodies.map((b) => (JSON.parse(b) as { messageId: string }).messageId).sort();
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(2);
    expect(provider.stats().callbacks).toEqual({ sent: 4, delivered: 4, failed: 0, attempts: 4 });
  });
});
