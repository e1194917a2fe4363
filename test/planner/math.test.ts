import { describe, expect, it } from 'vitest';
import {
  channelMonthlyCost,
  creditsRunwayMonths,
  deliverableBy,
  drainTimeMs,
  memoryEstimate,
  monthCapacityRunsOut,
  monthlyCeiling,
  monthsUntil,
  quotaBoundLateness,
  rejectedPerPage,
  requiredRate,
  retryInflation,
  senderThroughput,
  splitByMix,
  subscribersAt,
  tpsFromUsers,
  usersFromAudience,
  usersFromConnections,
  usersFromTps,
  workersToSaturate,
} from '../../src/planner/index.ts';

describe("Little's law targets (story 1)", () => {
  it('75 users from 25 connections x 3, 375 TPS at 200 ms', () => {
    const users = usersFromConnections(25, 3);
    expect(users).toBe(75);
    expect(tpsFromUsers(users, 200)).toBe(375);
    expect(usersFromTps(375, 200)).toBe(75);
  });

  it.each([
    // users, response ms, think ms, TPS
    [75, 200, 0, 375],
    [100, 500, 500, 100],
    [10, 50, 0, 200],
  ])('%d users at R=%dms Z=%dms -> %d TPS', (users, r, z, tps) => {
    expect(tpsFromUsers(users, r, z)).toBeCloseTo(tps, 10);
    expect(usersFromTps(tps, r, z)).toBeCloseTo(users, 10);
  });

  it('refuses a zero cycle', () => expect(() => tpsFromUsers(1, 0, 0)).toThrow(RangeError));

  it('the audience route agrees with the load-balancer route on consistent inputs', () => {
    // DAU 1,000 x 4 visits x 25% in the peak hour = 1,000 arrivals/h; held 4.5 min each -> 75 users.
    const route = usersFromAudience({ dau: 1000, visitsPerDay: 4, peakHourShare: 0.25, sessionMs: 270_000 });
    expect(route.arrivalsPerSecond).toBeCloseTo(1000 / 3600, 12);
    expect(route.users).toBeCloseTo(usersFromConnections(25, 3), 9);
    const fromMau = usersFromAudience({ mau: 12_000, dailyActiveRatio: 1 / 12, visitsPerDay: 4, peakHourShare: 0.25, sessionMs: 270_000 });
    expect(fromMau.dau).toBeCloseTo(1000, 9);
    expect(fromMau.users).toBeCloseTo(75, 9);
  });

  it('needs DAU or MAU x ratio', () => {
    expect(() => usersFromAudience({ visitsPerDay: 1, peakHourShare: 0.1, sessionMs: 1000 })).toThrow(/dau/);
  });

  it('splits 375 TPS by the call mix at 3x with the cached feature held flat', () => {
    const mix = splitByMix(
      [
        { name: 'answer-detail', calls: 2, cached: true },
        { name: 'question-list', calls: 1, cached: false },
        { name: 'subscribe', calls: 1, cached: false },
      ],
      3,
      375,
      200,
    );
    expect(mix.map((f) => f.scaledCalls)).toEqual([2, 3, 3]);
    expect(mix.map((f) => f.share)).toEqual([0.25, 0.375, 0.375]);
    expect(mix.map((f) => f.tps)).toEqual([93.75, 140.625, 140.625]);
    expect(mix.map((f) => f.users)).toEqual([18.75, 28.125, 28.125]);
  });

  it('at 1x the mix is the plain call ratio', () => {
    const mix = splitByMix(
      [
        { name: 'a', calls: 2, cached: true },
        { name: 'b', calls: 2, cached: false },
      ],
      1,
      100,
      100,
    );
    expect(mix.map((f) => f.tps)).toEqual([50, 50]);
  });
});

describe('growth', () => {
  const linear = { kind: 'linear', perMonth: 500 } as const;
  it.each([
    [0, 11_000],
    [8, 15_000],
    [24, 23_000],
  ])('linear +500/month: month %d -> %d subscribers', (m, s) => expect(subscribersAt(11_000, linear, m)).toBe(s));

  it.each([
    [30_000, 38],
    [23_000, 24],
    [11_000, 0],
    [11_001, 1],
  ])('reaches %d at month %d', (target, month) => expect(monthsUntil(11_000, linear, target)).toBe(month));

  it('compound growth', () => {
    const compound = { kind: 'compound', ratePerMonth: 0.1 } as const;
    expect(subscribersAt(1000, compound, 2)).toBeCloseTo(1210, 9);
    // ln(2) / ln(1.1) = 7.27 -> month 8
    expect(monthsUntil(1000, compound, 2000)).toBe(8);
    expect(monthsUntil(1000, { kind: 'compound', ratePerMonth: 0 }, 2000)).toBeNull();
  });

  it.each([
    // load0, capacity, first month over
    [375, 375 * (15_000 / 11_000), 9], // capacity covers 15,000 subscribers: reached at month 8, exceeded at 9
    [375, 300, 0], // already over today
  ])('load %d vs capacity %d runs out at month %d', (load, cap, month) => {
    expect(monthCapacityRunsOut(11_000, linear, load, cap)).toBe(month);
  });

  it('capacity never runs out without growth', () =>
    expect(monthCapacityRunsOut(11_000, { kind: 'linear', perMonth: 0 }, 1, 2)).toBeNull());
});

describe('campaigns', () => {
  it.each([
    // messages, window ms, rate per second
    [1_000_000, 30 * 60_000, 555.5555555555555],
    [2_000_000, 30 * 60_000, 1111.111111111111],
    [1_000_000, 60_000, 16666.666666666668],
    [100_000, 10 * 60_000, 166.66666666666666],
    [100_000, 15 * 60_000, 111.11111111111111],
  ])('%d in %dms needs %f/s', (n, window, rate) => expect(requiredRate(n, window)).toBe(rate));

  it.each([
    // N, throughput, drain ms
    [420_000, 200, 35 * 60_000],
    [420_000, 90, 4_666_666.666666667],
    [1_000_000, 10_000, 100_000],
  ])('%d at %d/s drains in %fms', (n, x, ms) => expect(drainTimeMs(n, x)).toBeCloseTo(ms, 6));

  it('420,000 at 90/s is 77.8 minutes', () => expect(Math.round(drainTimeMs(420_000, 90) / 6_000) / 10).toBe(77.8));

  it.each([
    [{ providerLimit: 200 }, 200, 'provider'],
    [{ providerLimit: 200, throttle: 90 }, 90, 'throttle'],
    [{ providerLimit: 200, workers: 4, latencyMs: 40 }, 100, 'workers'],
    [{ providerLimit: 200, workers: 100, latencyMs: 40 }, 200, 'provider'],
    [{ providerLimit: null }, Number.POSITIVE_INFINITY, 'none'],
  ] as const)('throughput = min(R, throttle, K/L): %j', (limits, x, by) => {
    expect(senderThroughput(limits)).toEqual({ perSecond: x, limitedBy: by });
  });

  it.each([
    [200, 40, 8],
    [10_000, 167, 1670],
    [166.67, 167, 28],
    [100, 10, 1],
  ])('R=%d/s at L=%dms needs %d workers', (r, l, k) => expect(workersToSaturate(r, l)).toBe(k));

  it.each([
    [0, 1],
    [0.5, 2],
    [0.2, 1.25],
  ])('retry inflation at p=%f is %f', (p, f) => expect(retryInflation(p)).toBe(f));

  it('refuses p = 1', () => expect(() => retryInflation(1)).toThrow(RangeError));

  it('FCM admits 600,000 of 1,000,000 due in a minute', () => expect(deliverableBy(1_000_000, 600_000 / 60, 60_000)).toBe(600_000));

  it('story 4: 1,000,000 due at once at exactly 600,000/min are at least p50 50 s, p99 99 s, the last 100 s late', () => {
    expect(quotaBoundLateness(1_000_000, 10_000, 0)).toEqual({
      rate: 10_000,
      onTimeRate: Number.POSITIVE_INFINITY,
      p50: 50_000,
      p95: 95_000,
      p99: 99_000,
      max: 100_000,
    });
  });

  it('spread over a window, lateness is what the rate cannot keep up with (none when it can)', () => {
    // 1,000,000 over 60 s need 16,666.67/s to stay on time; at 10,000/s the last is 100 - 60 = 40 s late.
    expect(quotaBoundLateness(1_000_000, 10_000, 60_000)).toMatchObject({ p50: 20_000, max: 40_000 });
    expect(quotaBoundLateness(1_000_000, 10_000, 60_000).onTimeRate).toBeCloseTo(16_666.67, 1);
    expect(quotaBoundLateness(1_000, 10_000, 60_000)).toMatchObject({ p99: 0, max: 0 });
    expect(() => quotaBoundLateness(1, 0, 0)).toThrow(RangeError);
  });
});

describe('executor checks', () => {
  it.each([
    [{ pageSize: 180, threads: 4, queueCapacity: 100 }, 76], // story 3
    [{ pageSize: 90, threads: 100, queueCapacity: 200 }, 0], // the fix
    [{ pageSize: 104, threads: 4, queueCapacity: 100 }, 0],
    [{ pageSize: 100_000, threads: 50, queueCapacity: null }, 0], // unbounded: grows instead
  ])('%j rejects %d per page', (input, rejected) => expect(rejectedPerPage(input)).toBe(rejected));

  it('memory of load-everything vs paged', () => {
    expect(memoryEstimate(20_000, 23_000, 500)).toEqual({ loadAllBytes: 460_000_000, pagedBytes: 10_000_000 });
    expect(memoryEstimate(100, 50, 500)).toEqual({ loadAllBytes: 5000, pagedBytes: 5000 });
  });
});

describe('budget (story 1)', () => {
  it('($812 - $48) / 12 = $63.67 a month', () => {
    expect(monthlyCeiling(812, [48], 12)).toBeCloseTo(63.666666, 5);
    expect(Math.round(monthlyCeiling(812, [48], 12) * 100) / 100).toBe(63.67);
  });

  it.each([
    [{ name: 'mail', volumePerMonth: 900_000, price: 0.078, per: 1000, freeUnits: 0 }, 70.2],
    [{ name: 'ses', volumePerMonth: 900_000, price: 0.1, per: 1000, freeUnits: 62_000 }, 83.8],
    [{ name: 'free', volumePerMonth: 100, price: 1, per: 1, freeUnits: 1000 }, 0],
  ])('%j costs $%f', (c, cost) => expect(channelMonthlyCost(c)).toBeCloseTo(cost, 9));

  it('runway', () => {
    expect(creditsRunwayMonths(812, [48], 63.666666666666664)).toBeCloseTo(12, 9);
    expect(creditsRunwayMonths(812, [48], 0)).toBe(Number.POSITIVE_INFINITY);
  });
});
