import { describe, expect, it } from 'vitest';
import {
  acquire,
  FixedWindowLimiter,
  type Limiter,
  RollingQuota,
  SlidingLogLimiter,
  TokenBucketLimiter,
} from '../../mock-providers/index.ts';

/** Offers `rate` one-unit requests per second, evenly spaced, for `seconds`; returns how many passed. */
function offer(limiter: Limiter, rate: number, seconds: number, start = 0): number {
  let admitted = 0;
  for (let i = 0; i < rate * seconds; i++) if (acquire(limiter, 1, start + (i * 1000) / rate).admitted) admitted++;
  return admitted;
}

describe('limiter shapes under 2x the limit for 10 s (limit 100/s, 200 requests/s)', () => {
  it.each([
    // An epoch-aligned 1 s window admits exactly its limit each second.
    ['SendGrid/broker aligned 1 s window', () => new FixedWindowLimiter(100, 1000, 'epoch'), 1000],
    // FCM's quota is per minute from the first message: 2,000 in 10 s fit in 6,000 a minute.
    ['FCM 60 s window from the first message', () => new FixedWindowLimiter(6000, 60_000, 'first'), 2000],
    // A full bucket of 100 plus 100/s refill until the last request at 9.995 s: 100 + 999.5 -> 1099.
    ['SES token bucket with debt', () => new TokenBucketLimiter(100, 100, true), 1099],
    ['broker token bucket', () => new TokenBucketLimiter(100, 100, false), 1099],
    // At most 100 in any 1 s window: 100 per second over 10 s.
    ['broker sliding log', () => new SlidingLogLimiter(100, 1000), 1000],
  ])('%s admits %#', (_name, make, expected) => {
    expect(offer(make(), 200, 10)).toBe(expected);
  });
});

describe('provider-specific shapes', () => {
  it('SendGrid: a burst across an epoch boundary admits 2x the limit within milliseconds', () => {
    const limiter = new FixedWindowLimiter(600, 1000, 'epoch');
    const t0 = 1_700_000_000_000; // an epoch second boundary
    const before = Array.from({ length: 601 }, (_, i) => acquire(limiter, 1, t0 - 50 + i / 100).admitted);
    const after = Array.from({ length: 601 }, (_, i) => acquire(limiter, 1, t0 + i / 100).admitted);
    expect(before.filter(Boolean)).toHaveLength(600);
    expect(after.filter(Boolean)).toHaveLength(600);
    expect(before[600]).toBe(false);
    expect(after[600]).toBe(false);
    // X-RateLimit-Reset is the end of the aligned window.
    expect(limiter.check(0, t0 + 10).resetAtMs).toBe(t0 + 1000);
  });

  it('SES: one mail to 5 recipients at 1/s is admitted, the next ~5 s are throttled', () => {
    const limiter = new TokenBucketLimiter(1, 1, true);
    expect(acquire(limiter, 5, 0).admitted).toBe(true);
    for (let t = 100; t < 5000; t += 100) expect(acquire(limiter, 1, t).admitted, `t=${t}`).toBe(false);
    expect(acquire(limiter, 1, 5000).admitted).toBe(true);
  });

  it('SES: a rolling 24 h quota refuses with reason "quota" and frees up a day later', () => {
    const quota = new RollingQuota(10, 86_400_000);
    for (let i = 0; i < 10; i++) expect(acquire(quota, 1, i * 1000).admitted).toBe(true);
    const refused = acquire(quota, 1, 3_600_000);
    expect(refused).toMatchObject({ admitted: false, reason: 'quota' });
    expect(acquire(quota, 1, 86_400_000 + 60_000 + 10_000).admitted).toBe(true);
  });

  it('FCM: refused requests (429s) take nothing from the window; admitted ones (even if answered 4xx) do', () => {
    const limiter = new FixedWindowLimiter(3, 60_000, 'first');
    for (let i = 0; i < 3; i++) expect(acquire(limiter, 1, 1000 + i).admitted).toBe(true);
    for (let i = 0; i < 50; i++) expect(acquire(limiter, 1, 2000 + i).admitted).toBe(false);
    // The window opened at the first message (t = 1000), not at a clock-aligned minute.
    expect(acquire(limiter, 1, 60_999).admitted).toBe(false);
    expect(acquire(limiter, 1, 61_000).admitted).toBe(true);
    expect(limiter.check(0, 61_001).remaining).toBe(2);
  });

  it('broker: a request is admitted or refused whole, and Retry-After reflects the window', () => {
    const limiter = new FixedWindowLimiter(200, 1000, 'epoch');
    expect(acquire(limiter, 150, 0).admitted).toBe(true);
    const refused = acquire(limiter, 100, 10);
    expect(refused.admitted).toBe(false);
    expect(refused.retryAfterMs).toBe(990);
    expect(acquire(limiter, 50, 20).admitted).toBe(true);
  });

  it('sliding log: Retry-After is when enough old units leave the window', () => {
    const limiter = new SlidingLogLimiter(10, 1000);
    acquire(limiter, 6, 0);
    acquire(limiter, 4, 500);
    const refused = acquire(limiter, 5, 600);
    expect(refused.admitted).toBe(false);
    expect(refused.retryAfterMs).toBe(400);
    expect(acquire(limiter, 5, 1000).admitted).toBe(true);
  });
});
