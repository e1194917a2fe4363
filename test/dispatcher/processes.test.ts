import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createMockProviders } from '../../mock-providers/index.ts';
import { createRng } from '../../src/core/index.ts';
import { call, providersFor, TOKEN, tempDir, waitDone } from './harness.ts';
import { type DispatcherProcess, killDispatcher, spawnDispatcher, writeConfig } from './process.ts';
import { defineRateTests } from './rate-cases.ts';

const RECIPIENTS = 20_000;
const KILLS = 20;

/** Deliveries per recipient as the mock's ledger saw them, through its admin API (`POST /__mock/<name>/lookup`). */
async function deliveriesOf(adminUrl: string, name: string, recipients: string[]): Promise<Map<string, number>> {
  const res = await fetch(`${adminUrl}/${name}/lookup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ recipients }),
  });
  const { entries } = (await res.json()) as { entries: { recipient: string; delivered: number }[] };
  return new Map(entries.filter((e) => e.delivered > 0).map((e) => [e.recipient, e.delivered]));
}

/**
 * Runs a campaign while SIGKILLing the dispatcher process 20 times at seeded random moments,
 * restarting it on the same database each time. Returns deliveries per recipient and the
 * recipients the dispatcher flagged uncertain.
 */
async function crashRun(dedupe: boolean, seed: string) {
  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    return await crashRunIn(dedupe, seed, cleanups);
  } finally {
    for (const c of cleanups.reverse()) await c();
  }
}

async function crashRunIn(dedupe: boolean, seed: string, cleanups: (() => Promise<void> | void)[]) {
  // The real Alimtalk mock: a sliding-second limit, and (with dedupe) repeated client keys
  // answered -1005 with the original id and not delivered again. 50 ms per answer keeps a request
  // in flight nearly all the time the dispatcher sends (20 requests/s of 250), so the kills land
  // mid-flight even when a busy machine leaves the dispatcher few seconds of sending; it does not
  // slow the campaign (4 in flight x 250 / 50 ms = 20,000/s, above the 5,000/s pace).
  const mocks = createMockProviders({
    providers: { kakao: { kind: 'alimtalk', tps: 5000, algorithm: 'sliding', dedupe, latency: { fixed: 50 } } },
  });
  const { urls, adminUrl } = await mocks.listen();
  cleanups.push(() => mocks.close());
  const t = tempDir();
  cleanups.push(t.cleanup);
  const db = join(t.dir, 'outbox.db');
  const file = writeConfig(t.dir, {
    token: TOKEN,
    db,
    port: 0,
    providers: { kakao: { ...providersFor(urls.kakao as string, { tps: '5000/s', batchSize: 250, maxInFlight: 4 }).kakao, timeout: '2s' } },
    sender: { lease: '1s', poll: '20ms' },
  });
  let current: DispatcherProcess | undefined;
  cleanups.push(async () => {
    if (current) await killDispatcher(current);
  });
  current = await spawnDispatcher(file);
  const created = await call(current.url, '/v1/campaigns', {
    body: { channel: 'alimtalk', template: 'welcome', params: { name: 'Kim' }, generator: { count: RECIPIENTS, pattern: '010{n:8}' } },
  });
  expect(created.status).toBe(201);
  const id = created.json.id as string;
  const rng = createRng(seed);
  for (let kill = 0; kill < KILLS; kill++) {
    await new Promise((r) => setTimeout(r, 200 + rng.next() * 1800));
    await killDispatcher(current);
    current = await spawnDispatcher(file);
  }
  // Generous: 20 restarts of a tsx process take ~1 min here, several under a CPU hog.
  const done = await waitDone(current.url, id, 300_000);
  await killDispatcher(current, 'SIGTERM');
  current = undefined;
  const sql = new Database(db, { readonly: true });
  const uncertain = new Set(
    (sql.prepare('SELECT recipient FROM recipients WHERE uncertain = 1').all() as { recipient: string }[]).map((r) => r.recipient),
  );
  sql.close();
  const all = Array.from({ length: RECIPIENTS }, (_, n) => `010${String(n).padStart(8, '0')}`);
  const deliveries = await deliveriesOf(adminUrl, 'kakao', all);
  const duplicates = [...deliveries.values()].filter((n) => n > 1).length;
  const { admitted, rejected, maxPerSecondWindow } = mocks.providers.kakao?.stats() ?? {};
  console.info(`crash run dedupe=${dedupe}: uncertain rows ${uncertain.size}, duplicated recipients ${duplicates}`, {
    admitted,
    rejected,
    maxPerSecondWindow,
  });
  return { done, deliveries, uncertain };
}

describe.concurrent('crash safety (20 SIGKILLs of the dispatcher process)', () => {
  it('delivers every recipient exactly once when the provider dedupes client keys', { timeout: 900_000 }, async () => {
    const { done, deliveries, uncertain } = await crashRun(true, 'crash-dedupe');
    expect(done.counts).toMatchObject({ sent: RECIPIENTS, failed: 0 });
    expect(deliveries.size).toBe(RECIPIENTS);
    expect([...deliveries.values()].filter((n) => n !== 1)).toEqual([]);
    // The kills must have hit rows mid-flight, or this test proves nothing.
    expect(uncertain.size).toBeGreaterThan(0);
  });

  it('without provider dedupe loses none, and every duplicate is a row flagged uncertain', { timeout: 900_000 }, async () => {
    const { done, deliveries, uncertain } = await crashRun(false, 'crash-plain');
    expect(done.counts).toMatchObject({ sent: RECIPIENTS, failed: 0 });
    expect(deliveries.size).toBe(RECIPIENTS);
    const duplicated = [...deliveries].filter(([, n]) => n > 1).map(([r]) => r);
    expect(duplicated.filter((r) => !uncertain.has(r))).toEqual([]);
    expect(uncertain.size).toBeGreaterThan(0);
  });
});

defineRateTests();
