import { afterEach, describe, expect, it } from 'vitest';
import { dueTimeOf, parseSchedule } from '../../dispatcher/ingest/schedule.ts';
import { generated, startProviderMocks } from '../helpers/provider-mocks.ts';
import { call, providersFor, startDispatcher, tempDir, waitDone } from './harness.ts';
import { type Driver, driversToRun, freshStore } from './store-drivers.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Every delivery the mock recorded, with its time (epoch ms, the mock's clock), read from its feed. */
async function feed(adminUrl: string, provider: string): Promise<{ recipient: string; at: number }[]> {
  const out: { recipient: string; at: number }[] = [];
  for (let after = 0; ; ) {
    const page = (await (await fetch(`${adminUrl}/${provider}/deliveries?after=${after}`)).json()) as {
      entries: { recipient: string; at: number }[];
      cursor: number;
      head: number;
    };
    out.push(...page.entries);
    if (page.cursor >= page.head || page.cursor === after) return out;
    after = page.cursor;
  }
}

describe('schedule formulas (the API floodgate computes lateness with)', () => {
  it('spreads recipients evenly, fires batches at intervals, or all at one instant', () => {
    const at = 1_800_000_000_000;
    expect([0, 1, 2, 3].map((i) => dueTimeOf({ at, spreadMs: 1000 }, i, 4))).toEqual([at, at + 250, at + 500, at + 750]);
    expect([0, 2, 3, 5].map((i) => dueTimeOf({ at, everyMs: 60_000, batch: 3 }, i, 6))).toEqual([at, at, at + 60_000, at + 60_000]);
    expect(dueTimeOf({ at }, 999, 1000)).toBe(at);
  });

  it('refuses times without an offset, seconds for milliseconds, and a spread over a stream', () => {
    expect(parseSchedule({ at: '2026-11-30T18:00:00+09:00' }, 1).at).toBe(Date.parse('2026-11-30T09:00:00Z'));
    expect(() => parseSchedule({ at: '2026-11-30T18:00:00' }, 1)).toThrow(/schedule\.at: an RFC 3339 time with an offset/);
    expect(() => parseSchedule({ at: 1_800_000_000 }, 1)).toThrow(/schedule\.at: epoch milliseconds/);
    expect(() => parseSchedule({ at: 1_800_000_000_000, spreadMs: 10 }, undefined)).toThrow(/spreadMs: needs the recipient count/);
    expect(() => parseSchedule({ at: 1_800_000_000_000, everyMs: 10 }, 5)).toThrow(/`everyMs` and `batch` go together/);
    expect(() => parseSchedule({ at: 1_800_000_000_000, when: 1 }, 5)).toThrow(/unknown field `when`/);
  });
});

describe.each(await driversToRun())('scheduled sends on the %s store', (driver: Driver) => {
  async function setup() {
    const p = await startProviderMocks();
    cleanups.push(() => p.close());
    const t = tempDir();
    cleanups.push(t.cleanup);
    const store = await freshStore(driver, t.dir);
    cleanups.push(store.drop);
    const config = { db: store.db, providers: providersFor(p.urls, {}) };
    return { p, dir: t.dir, config };
  }

  it('never sends a recipient before its due time, and sends each once it is due', { timeout: 60_000 }, async () => {
    const { p, dir, config } = await setup();
    const { d, url } = await startDispatcher(dir, config);
    cleanups.push(() => d.close());
    const count = 200;
    const at = Date.now() + 1500;
    const res = await call(url, '/v1/campaigns', {
      body: {
        channel: 'alimtalk',
        template: 'welcome',
        params: { name: 'Kim' },
        generator: { count, pattern: '010{n:8}' },
        schedule: { at, spreadMs: 2000 },
      },
    });
    expect(res.status).toBe(201);
    const status = await call(url, `/v1/campaigns/${res.json.id}`, { method: 'GET' });
    expect((status.json.counts as Record<string, number>).scheduled).toBe(count);
    const done = await waitDone(url, res.json.id as string, 30_000);
    expect(done.counts).toMatchObject({ sent: count, failed: 0, scheduled: 0 });
    const deliveries = await feed(p.adminUrl, 'alimtalk');
    expect(deliveries).toHaveLength(count);
    const recipients = generated('010{n:8}', count);
    // Dispatcher and mock share this process's clock here, so "early" needs no tolerance.
    const early = deliveries.filter((e) => e.at < dueTimeOf({ at, spreadMs: 2000 }, recipients.indexOf(e.recipient), count));
    expect(early).toEqual([]);
  });

  it('keeps schedules in the store: a new process on the same store sends them when due', { timeout: 60_000 }, async () => {
    const { p, dir, config } = await setup();
    const first = await startDispatcher(dir, config);
    const at = Date.now() + 2500;
    const res = await call(first.url, '/v1/campaigns', {
      body: {
        channel: 'alimtalk',
        template: 'welcome',
        params: { name: 'Kim' },
        recipients: ['01000000001', { to: '01000000002', dueAt: at + 300 }],
        schedule: { at },
      },
    });
    expect(res.status).toBe(201);
    await first.d.close();
    // Nothing registered again: the second process finds the schedule in the outbox.
    const second = await startDispatcher(dir, config);
    cleanups.push(() => second.d.close());
    await waitDone(second.url, res.json.id as string, 30_000);
    const deliveries = await feed(p.adminUrl, 'alimtalk');
    expect(deliveries.map((e) => e.recipient).sort()).toEqual(['01000000001', '01000000002']);
    expect(deliveries.find((e) => e.recipient === '01000000001')?.at).toBeGreaterThanOrEqual(at);
    expect(deliveries.find((e) => e.recipient === '01000000002')?.at).toBeGreaterThanOrEqual(at + 300);
  });

  it('answers 400 naming the field for a bad schedule, and stores nothing', async () => {
    const { dir, config } = await setup();
    const { d, url } = await startDispatcher(dir, config);
    cleanups.push(() => d.close());
    const bad = await call(url, '/v1/campaigns', {
      body: { channel: 'alimtalk', template: 'welcome', recipients: ['01000000001'], schedule: { at: 'tomorrow' } },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('schedule.at');
    const perRow = await call(url, '/v1/campaigns', {
      body: { channel: 'alimtalk', template: 'welcome', recipients: [{ to: '01000000001', dueAt: 12 }] },
    });
    expect(perRow.status).toBe(400);
    expect(JSON.stringify(perRow.json)).toContain('recipients[0].dueAt');
    expect(await d.store.query('SELECT count(*) AS n FROM recipients')).toEqual([{ n: 0 }]);
  });
});
