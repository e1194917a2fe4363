import { describe, expect, it } from 'vitest';
import { parseSendQuota } from '../../dispatcher/kinds/quota-field.ts';
import { createSendQuota } from '../../dispatcher/sender/quota.ts';

const MIN = 60_000;
const DAY = 1440 * MIN;

describe('the send-quota guard (times are arguments)', () => {
  it('admits up to the limit counting requests in flight, then says how long until a unit leaves the window', () => {
    const q = createSendQuota({ limit: 3, windowMs: DAY });
    const t0 = 10 * MIN + 30_000; // mid-slot
    q.take(2);
    expect(q.room(t0)).toBe(1);
    q.take(1);
    // In flight counts: a fourth may not leave before the answers, whatever they say.
    expect(q.delay(1, t0)).toBeGreaterThan(0);
    q.settle(3, 3, t0 + 100);
    expect(q.status(t0 + 100)).toMatchObject({ limit: 3, used: 3, paused: true, reason: 'counted' });
    // The units leave one window after their answer, rounded up to the end of its 1-minute slot: never early.
    const leaves = 11 * MIN + DAY;
    expect(t0 + 100 + q.delay(1, t0 + 100)).toBe(leaves);
    expect(q.delay(1, leaves - 1)).toBe(1);
    expect(q.delay(1, leaves)).toBe(0);
    expect(q.status(leaves)).toMatchObject({ used: 0, paused: false, reason: null, resumesAt: null });
  });

  it('gives back what the provider throttled at once', () => {
    const q = createSendQuota({ limit: 2, windowMs: DAY });
    q.take(2);
    q.settle(2, 1, 1000);
    expect(q.room(1000)).toBe(1);
  });

  it('after a provider quota answer, pauses a slot at least, even with room in its own count', () => {
    const q = createSendQuota({ limit: Number.POSITIVE_INFINITY, windowMs: DAY });
    q.settle(1, 0, 5 * MIN);
    q.exhausted(5 * MIN);
    expect(q.status(5 * MIN)).toMatchObject({ limit: null, paused: true, reason: 'provider', resumesAt: 6 * MIN });
    expect(q.room(5 * MIN)).toBe(0);
    expect(q.delay(1, 6 * MIN)).toBe(0);
    // Then one probe at a time: nothing more while it is out, all again once one is admitted.
    expect(q.room(6 * MIN)).toBe(1);
    q.take(1);
    expect(q.room(6 * MIN)).toBe(0);
    expect(q.delay(1, 6 * MIN)).toBe(Number.POSITIVE_INFINITY);
    q.settle(1, 1, 6 * MIN + 50);
    expect(q.room(6 * MIN + 50)).toBe(Number.POSITIVE_INFINITY);
  });

  it('never goes negative when answers come for units it did not reserve', () => {
    const q = createSendQuota({ limit: 5, windowMs: DAY });
    q.settle(4, 4, 0);
    expect(q.status(0).used).toBe(4);
  });

  it('reads quotas as written', () => {
    expect(parseSendQuota('50000/24h')).toEqual({ limit: 50_000, windowMs: DAY });
    expect(parseSendQuota('1.5M/d')).toEqual({ limit: 1_500_000, windowMs: DAY });
    expect(parseSendQuota(200)).toEqual({ limit: 200, windowMs: DAY });
    expect(parseSendQuota('50/3s')).toEqual({ limit: 50, windowMs: 3000 });
  });
});
