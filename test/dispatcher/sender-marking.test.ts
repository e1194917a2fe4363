import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDispatcherConfig } from '../../dispatcher/index.ts';
import type { ProviderClient } from '../../dispatcher/providers/index.ts';
import { createSender } from '../../dispatcher/sender/sender.ts';
import { State } from '../../dispatcher/store/db.ts';
import { createSqliteStore } from '../../dispatcher/store/sqlite-store.ts';
import type { Store } from '../../dispatcher/store/store.ts';
import { createRng, systemClock } from '../../src/core/index.ts';
import { TOKEN, tempDir } from './harness.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * The sender marks the rows of every request it starts in one turn with one write, and no
 * request leaves before its rows are marked: a crash then finds every row that may have reached
 * the provider flagged `sending` (guarantee 2), however many requests share the write.
 */
describe('sender: marking rows in flight', () => {
  it('marks the rows of requests started together in one write, each before its request leaves', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const config = parseDispatcherConfig({
      token: TOKEN,
      db: join(t.dir, 'outbox.db'),
      port: 0,
      providers: { push: { kind: 'fcm', baseUrl: 'http://127.0.0.1:9', maxInFlight: 16 } },
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
    const n = 320;
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

    // A provider that answers after 5 ms and, as each request leaves, reads its row's state.
    const stateAtSend: number[] = [];
    const client: ProviderClient = {
      maxBatch: 1,
      async send(units) {
        const unit = units[0] as (typeof units)[number];
        const [row] = await store.query('SELECT state FROM recipients WHERE id = ?', [unit.id]);
        stateAtSend.push(Number(row?.state));
        await new Promise((r) => setTimeout(r, 5));
        return { results: [{ kind: 'sent', messageId: `m-${unit.id}` }] };
      },
      close: async () => {},
    };
    const push = config.providers.push;
    if (!push) throw new Error('no push account');
    const sender = createSender({
      name: 'push',
      provider: push,
      settings: config.sender,
      store,
      clock: systemClock,
      rng: createRng('marking'),
      owner: 1,
      client,
    });
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
});
