import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../dispatcher/index.ts';
import type { Store } from '../../dispatcher/store/store.ts';
import { tempDir } from './harness.ts';
import { type Driver, driversToRun, freshStore } from './store-drivers.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fresh store of `driver` with one committed campaign of `count` recipients. */
async function storeWithCampaign(driver: Driver, count: number): Promise<{ store: Store; campaign: number }> {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const fresh = await freshStore(driver, t.dir);
  cleanups.push(fresh.drop);
  const store = openStore(fresh.db);
  cleanups.push(() => store.close());
  await store.init(1000);
  const meta = { kind: 'campaign' as const, channel: 'alimtalk', provider: 'kakao', template: 't', params: null, content: null };
  const campaign = await store.beginCampaign(meta, 1000);
  const rows = Array.from({ length: count }, (_, i) => ({ to: `010${String(i).padStart(8, '0')}` }));
  expect(await store.insertBatch(campaign, rows, 1000)).toBe(count);
  await store.commitCampaign(campaign, count, 0, 1000);
  return { store, campaign };
}

describe.each(await driversToRun())('the %s store', (driver) => {
  it('falls back once: rows fail here and their recipients join one fallback campaign, however often they come', async () => {
    const { store, campaign } = await storeWithCampaign(driver, 5);
    const source = (await store.campaign(campaign)) as NonNullable<Awaited<ReturnType<Store['campaign']>>>;
    const claimed = await store.claim(campaign, 2000, 12_000, 1, 5);
    const target = { provider: 'sms', channel: 'sms' };
    expect(await store.fallBack(source, claimed.slice(0, 2), target, 'not a KakaoTalk user', 2100)).toBe(2);
    // The same rows again (a release and a second 3019) and one more: only the new one is added.
    expect(await store.fallBack(source, claimed.slice(0, 3), target, 'not a KakaoTalk user', 2200)).toBe(1);
    const [fallback] = await store.activeCampaigns('sms');
    expect(fallback).toMatchObject({ channel: 'sms', provider: 'sms', template: 't', total: 3, state: 'sending' });
    const rows = await store.claim(fallback?.id as number, 3000, 13_000, 1, 10);
    expect(rows.map((r) => r.recipient).sort()).toEqual(['01000000000', '01000000001', '01000000002']);
    const states = Object.fromEntries((await store.counts(campaign)).states.map((x) => [x.state, x.n]));
    expect(states).toEqual({ 1: 2, 3: 3 });
  });

  it('claims rows tried before ahead of rows never tried, then never-tried rows in insertion order', async () => {
    const { store, campaign } = await storeWithCampaign(driver, 10);
    const first = await store.claim(campaign, 2000, 12_000, 1, 3);
    expect(first.map((r) => r.recipient)).toEqual(['01000000000', '01000000001', '01000000002']);
    // The second row's answer was lost: retried at 3000, flagged.
    await store.applyOutcomes([
      { id: (first[0] as { id: number }).id, kind: 'sent', messageId: 'm0', at: 2100 },
      { id: (first[1] as { id: number }).id, kind: 'retry', nextAt: 3000, error: 'timeout', uncertain: true },
      { id: (first[2] as { id: number }).id, kind: 'failed', error: 'bad' },
    ]);
    const next = await store.claim(campaign, 3000, 13_000, 1, 3);
    expect(next.map((r) => r.recipient)).toEqual(['01000000001', '01000000003', '01000000004']);
    expect(next[0]?.attempts).toBe(1);
    const counts = await store.counts(campaign);
    expect(Object.fromEntries(counts.states.map((s) => [s.state, s.n]))).toEqual({ 0: 5, 1: 3, 2: 1, 3: 1 });
    expect(counts.uncertain).toBe(1);
  });

  it('never gives one row to two claims at once, and sends only rows the owner still leases', async () => {
    const { store, campaign } = await storeWithCampaign(driver, 400);
    const claims = await Promise.all([1, 2, 3, 4].map((owner) => store.claim(campaign, 2000, 3000, owner, 150)));
    const ids = claims.flat().map((r) => r.id);
    expect(ids.length).toBe(400);
    expect(new Set(ids).size).toBe(400);
    // Owner 1's lease lapses; recovery puts its rows back; it may no longer send them.
    const mine = (claims[0] as { id: number }[]).map((r) => r.id);
    await store.renew(
      claims.slice(1).flatMap((c) => c.map((r) => r.id)),
      10_000,
      2,
    );
    expect(await store.recoverExpired(campaign, 5000)).toBeGreaterThan(0);
    const held = await store.markSending(mine, 1);
    if (driver === 'postgres') expect(held).toEqual([]);
    expect((await store.openWork(campaign)).n).toBe(400);
  });
});
