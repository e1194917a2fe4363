import { describe, expect, it } from 'vitest';
import { parseYamlSource, Scenario, validateSource } from '../../src/config/index.ts';
import { defaultStartRequest, trackingWindow } from '../../src/runner/campaign.ts';
import { CampaignTrack } from '../../src/runner/delivery-tracker.ts';
import { dueAt, dueOffset, dueSchedule, dueVars, lastDueOffset, scheduleBody } from '../../src/runner/due.ts';
import { computeLateness, MAX_LATENESS_BUCKETS, percentile } from '../../src/runner/lateness.ts';
import { plannedLength } from '../../src/runner/steps.ts';

const T0 = 1_764_522_000_000.4;

describe('due times (the reference dispatcher formulas, issue 14 contract)', () => {
  it('all at one instant: every recipient at t0 + at, in whole ms', () => {
    const s = dueSchedule({ at: 30_000, tolerance: 1 }, T0, 5);
    expect(s.atMs).toBe(Math.round(T0 + 30_000));
    expect([0, 1, 4].map((i) => dueAt(s, i))).toEqual([s.atMs, s.atMs, s.atMs]);
    expect(scheduleBody(s)).toEqual({ at: s.atMs, spreadMs: 0 });
  });

  it('spread: recipient i at at + floor(i * spread / count)', () => {
    const s = dueSchedule({ at: 0, spread: 1000, tolerance: 1 }, 0, 3);
    expect([0, 1, 2].map((i) => dueOffset(s, i))).toEqual([0, 333, 666]);
    const big = dueSchedule({ at: 1000, spread: 60_000, tolerance: 1 }, 0, 1_000_000);
    // i * spread can exceed 2^32 but not 2^53: exact integer arithmetic at 1,000,000 over a day.
    expect(dueAt(big, 999_999)).toBe(1000 + Math.floor((999_999 * 60_000) / 1_000_000));
    expect(lastDueOffset({ at: 1000, spread: 60_000, tolerance: 1 }, 1_000_000)).toBe(dueAt(big, 999_999));
  });

  it('every + batch: recipient i at at + floor(i / batch) * every', () => {
    const spec = { at: 5000, every: 60_000, batch: 10, tolerance: 1 };
    const s = dueSchedule(spec, 0, 25);
    expect([0, 9, 10, 19, 20, 24].map((i) => dueAt(s, i))).toEqual([5000, 5000, 65_000, 65_000, 125_000, 125_000]);
    expect(scheduleBody(s)).toEqual({ at: 5000, everyMs: 60_000, batch: 10 });
    expect(lastDueOffset(spec, 25)).toBe(125_000);
  });

  it('template variables: RFC 3339 with ms and Z, epoch ms, and only the pattern in use', () => {
    const spread = dueVars(dueSchedule({ at: 0, spread: 5000, tolerance: 1 }, Date.UTC(2026, 10, 30, 18, 0, 0, 123), 10));
    expect(spread).toEqual({ dueAt: '2026-11-30T18:00:00.123Z', dueAtMs: Date.UTC(2026, 10, 30, 18, 0, 0, 123), dueSpreadMs: 5000 });
    const every = dueVars(dueSchedule({ at: 0, every: 1000, batch: 3, tolerance: 1 }, 0, 10));
    expect(every).toEqual({ dueAt: '1970-01-01T00:00:00.000Z', dueAtMs: 0, dueEveryMs: 1000, dueBatch: 3 });
  });

  it('the default start request carries `schedule` only for a scheduled campaign', () => {
    expect((defaultStartRequest().body as Record<string, unknown>).schedule).toBeUndefined();
    expect((defaultStartRequest(true).body as Record<string, unknown>).schedule).toBe('{{schedule}}');
  });

  it('a scheduled campaign is tracked from its last due time: deadline x grace, or trackFor', () => {
    expect(trackingWindow({ deadline: 10_000 }, 600_000)).toBe(12_500);
    expect(trackingWindow({ deadline: 10_000 }, 600_000, 65_000)).toBe(77_500);
    expect(trackingWindow({}, 600_000, 65_000)).toBe(665_000);
  });
});

/** A track of `n` recipients with first deliveries at the given epoch ms (undefined: not reached). */
function trackWith(firsts: readonly (number | undefined)[]): CampaignTrack {
  const t = new CampaignTrack('c', 'r-{n}', firsts.length);
  firsts.forEach((at, i) => {
    if (at !== undefined) t.add(i, at);
  });
  return t;
}

describe('lateness (first delivery minus due time)', () => {
  it('nearest-rank percentiles and max over reached recipients only', () => {
    const s = dueSchedule({ at: 1000, tolerance: 1 }, 0, 101);
    // Recipient i delivered i ms late; recipient 100 never.
    const t = trackWith(Array.from({ length: 101 }, (_, i) => (i < 100 ? 1000 + i : undefined)));
    const l = computeLateness(t, s, 1, 0);
    expect(l).toMatchObject({ reached: 100, p50: 49, p95: 94, p99: 98, max: 99, early: 0, tolerance: 1, firstDue: 1000, lastDue: 1000 });
    expect(l.buckets).toEqual([{ due: 1000, reached: 100, min: 0, p50: 49, p99: 98, max: 99, early: 0 }]);
  });

  it('early is more than the tolerance before due: exactly -tolerance is not early, a hair more is', () => {
    const s = dueSchedule({ at: 100, tolerance: 1 }, 0, 4);
    const t = trackWith([100 - 1, 100 - 1.0001, 100 - 0.9, 100 + 0]);
    expect(computeLateness(t, s, 1, 0).early).toBe(1);
    expect(computeLateness(t, s, 0, 0).early).toBe(3);
    expect(computeLateness(t, s, 2, 0).early).toBe(0);
    expect(computeLateness(t, s, 1, 0).p50).toBe(-1);
  });

  it('figures are null over no reached recipient (a check over nothing must not hold)', () => {
    const l = computeLateness(trackWith([undefined, undefined]), dueSchedule({ at: 0, tolerance: 1 }, 0, 2), 1, 0);
    expect(l).toMatchObject({ reached: 0, p50: null, p99: null, max: null, early: 0, buckets: [] });
    expect(percentile([], 0.5)).toBeNull();
  });

  it('buckets follow due time, from the start request, and stay bounded at 1,000,000 recipients', () => {
    const t0 = 10_000;
    const s = dueSchedule({ at: 2000, every: 1000, batch: 2, tolerance: 1 }, t0, 6);
    // Batches due at +2000, +3000, +4000; the middle batch is 300 ms early.
    const t = trackWith([t0 + 2005, t0 + 2010, t0 + 2700, t0 + 2700, t0 + 4001, undefined]);
    const l = computeLateness(t, s, 1, t0);
    expect(l.buckets).toEqual([
      { due: 2000, reached: 2, min: 5, p50: 5, p99: 10, max: 10, early: 0 },
      { due: 3000, reached: 2, min: -300, p50: -300, p99: -300, max: -300, early: 2 },
      { due: 4000, reached: 1, min: 1, p50: 1, p99: 1, max: 1, early: 0 },
    ]);
    expect(l).toMatchObject({ early: 2, reached: 5, lastDue: 4000, p50: 1, max: 10 });

    const n = 1_000_000;
    const big = dueSchedule({ at: 0, spread: 60_000, tolerance: 1 }, 0, n);
    const track = new CampaignTrack('big', 'u-{n}', n);
    for (let i = 0; i < n; i++) track.add(i, dueAt(big, i) + (i % 100));
    const bl = computeLateness(track, big, 1, 0);
    expect(bl.buckets.length).toBeLessThanOrEqual(MAX_LATENESS_BUCKETS);
    expect(bl.buckets.reduce((a, b) => a + b.reached, 0)).toBe(n);
    expect(bl).toMatchObject({ reached: n, early: 0, max: 99, p50: 49, p99: 98 });
  });
});

describe('the planned length of a run with a scheduled campaign', () => {
  it('runs its deadline from the last due time', () => {
    const yaml = (due: string) =>
      `name: p\nload:\n  - campaign: { channel: push, recipients: 100, template: t, deadline: 10s, delay: 1s${due} }\n`;
    const length = (due: string) => plannedLength(validateSource(Scenario, parseYamlSource(yaml(due), 'p.yaml')));
    expect(length('')).toBe(11_000);
    // Due from 30 s over a minute: the last of 100 at 30 s + floor(99 * 60 s / 100) = 89.4 s.
    expect(length(', due: { at: 30s, spread: 60s }')).toBe(1000 + 89_400 + 10_000);
  });
});
