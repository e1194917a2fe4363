import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDispatcherConfig } from '../../dispatcher/index.ts';
import type { ProviderClient } from '../../dispatcher/providers/index.ts';
import { createSender, MARK_AHEAD } from '../../dispatcher/sender/sender.ts';
import { State } from '../../dispatcher/store/db.ts';
import { createSqliteStore } from '../../dispatcher/store/sqlite-store.ts';
import type { Store } from '../../dispatcher/store/store.ts';
import { createRng, systemClock } from '../../src/core/index.ts';
import { TOKEN, tempDir } from './harness.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp(maxInFlight: number, n: number) {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const config = parseDispatcherConfig({
    token: TOKEN,
    db: join(t.dir, 'outbox.db'),
    port: 0,
    providers: { push: { kind: 'fcm', baseUrl: 'http://127.0.0.1:9', maxInFlight } },
  });
  const inner = createSqliteStore(config.db);
  cleanups.push(() => inner.close());
  await inner.init(Date.now());
  const writes: number[] = [];
  const store: Store = {
    ...inner,
    driver: inner.driver,
    instance: inner.instance,
    markSending: (ids, owner) => {
      writes.push(ids.length);
      return inner.markSending(ids, owner);
    },
  };
  const id = await store.beginCampaign(
    { kind: 'campaign', channel: 'push', provider: 'push', template: 't', params: null, content: null },
    Date.now(),
  );
  await store.insertBatch(
    id,
    Array.from({ length: n }, (_, i) => ({ to: `token-${i}` })),
    Date.now(),
  );
  await store.commitCampaign(id, n, 0, Date.now());
  const push = config.providers.push;
  if (!push) throw new Error('no push account');
  // A provider that answers after `ms` and, as each request leaves, reads its row's state.
  const stateAtSend: number[] = [];
  const answerAfter = (ms: number): ProviderClient => ({
    maxBatch: 1,
    async send(units) {
      const unit = units[0] as (typeof units)[number];
      const [row] = await store.query('SELECT state FROM recipients WHERE id = ?', [unit.id]);
      stateAtSend.push(Number(row?.state));
      await new Promise((r) => setTimeout(r, ms));
      return { results: [{ kind: 'sent', messageId: `m-${unit.id}` }] };
    },
    close: async () => {},
  });
  const senderWith = (client: ProviderClient) =>
    createSender({
      name: 'push',
      provider: push,
      settings: config.sender,
      store,
      clock: systemClock,
      rng: createRng('marking'),
      owner: 1,
      client,
    });
  return { store, id, writes, stateAtSend, answerAfter, senderWith };
}

/**
 * The sender marks the rows of every request it starts in one turn with one write, and no
 * request leaves before its rows are marked: a crash then finds every row that may have reached
 * the provider flagged `sending` (guarantee 3), however many requests share the write. On
 * SQLite the write also marks queued rows just behind them, up to MARK_AHEAD, so a loop that
 * starts one request a turn still writes once every MARK_AHEAD rows.
 */
describe('sender: marking rows in flight', () => {
  it('marks the rows of requests started together in one write, each before its request leaves', async () => {
    const n = 320;
    const { store, id, writes, stateAtSend, answerAfter, senderWith } = await setUp(16, n);
    const sender = senderWith(answerAfter(5));
    await sender.start();
    const deadline = Date.now() + 60_000;
    while (sender.counters.sent < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sender.close();

    expect(sender.counters.sent).toBe(n);
    expect(stateAtSend).toHaveLength(n);
    // Every request left with its row already written as in flight.
    expect(stateAtSend.every((s) => s === State.Sending)).toBe(true);
    // Each row was marked once, and requests that ended together shared a write: 16 slots freed
    // by 5 ms timers that fire in one pass give turns of many requests, far fewer writes than rows.
    expect(writes.reduce((a, b) => a + b, 0)).toBe(n);
    expect(writes.length).toBeLessThan(n / 4);
    const [sent] = await store.query('SELECT count(*) AS n FROM recipients WHERE campaign_id = ? AND state = ?', [id, State.Sent]);
    expect(Number(sent?.n)).toBe(n);
  });

  it(`one request at a time: rows are marked ${MARK_AHEAD} ahead in one write, and close() re-queues the unsent ones unflagged`, async () => {
    const n = 1000;
    const { store, id, writes, stateAtSend, answerAfter, senderWith } = await setUp(1, n);
    const sender = senderWith(answerAfter(1));
    await sender.start();
    const deadline = Date.now() + 60_000;
    while (sender.counters.sent < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await sender.close();

    const sent = sender.counters.sent;
    expect(sent).toBeGreaterThanOrEqual(200);
    expect(stateAtSend.every((s) => s === State.Sending)).toBe(true);
    // One request a turn, but one write every MARK_AHEAD rows, none larger.
    expect(Math.max(...writes)).toBe(MARK_AHEAD);
    expect(writes.length).toBeLessThanOrEqual(Math.ceil(sent / MARK_AHEAD) + 1);
    // Marked ahead but never sent: back to pending at close, not flagged (only a crash flags them).
    const rows = await store.query(
      'SELECT state, uncertain, count(*) AS n FROM recipients WHERE campaign_id = ? GROUP BY state, uncertain',
      [id],
    );
    expect(rows.map((r) => ({ ...r, n: Number(r.n) }))).toEqual(
      [
        { state: State.Pending, uncertain: 0, n: n - sent },
        { state: State.Sent, uncertain: 0, n: sent },
      ].filter((r) => r.n > 0),
    );
  });
});
