import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.ts';
import { buildSchedule, type RateStage, stageArrivals } from '../../src/runner/schedule.ts';

const list = (stages: RateStage[]) => Array.from(buildSchedule(stages).times);

describe('buildSchedule (uniform)', () => {
  it.each<[string, RateStage[], number[]]>([
    ['constant 10/s for 1 s', [{ duration: 1000, rate: 10 }], [0, 100, 200, 300, 400, 500, 600, 700, 800, 900]],
    ['constant 4/s for 1.5 s', [{ duration: 1500, rate: 4 }], [0, 250, 500, 750, 1000, 1250]],
    // N(t) = 2.5 t^2 (a = 10 / (2 * 2)), so t_i = sqrt(i / 2.5) s.
    [
      'ramp 0 -> 10/s over 2 s',
      [{ duration: 2000, rate: 0, rampTo: 10 }],
      [0, 632.456, 894.427, 1095.445, 1264.911, 1414.214, 1549.193, 1673.32, 1788.854, 1897.367],
    ],
    // N(t) = 10 t - 2.5 t^2: t_i = (10 - sqrt(100 - 10 i)) / 5.
    [
      'ramp 10 -> 0/s over 2 s',
      [{ duration: 2000, rate: 10, rampTo: 0 }],
      [0, 102.633, 211.146, 326.68, 450.807, 585.786, 735.089, 904.555, 1105.573, 1367.544],
    ],
    // Stage 1 holds 2.5 arrivals, so stage 2 (constant 5/s) continues at need 0.5: 1000 + 100 ms.
    [
      'ramp then hold, carrying the fraction across stages',
      [
        { duration: 1000, rate: 0, rampTo: 5 },
        { duration: 1000, rate: 5 },
      ],
      [0, 632.456, 894.427, 1100, 1300, 1500, 1700, 1900],
    ],
    [
      'a zero-rate pause between stages',
      [
        { duration: 500, rate: 2 },
        { duration: 1000, rate: 0 },
        { duration: 500, rate: 2 },
      ],
      [0, 1500],
    ],
  ])('%s', (_name, stages, expected) => {
    expect(list(stages)).toEqual(expected);
  });

  it('puts exactly `rate` arrivals in every full second of a constant stage', () => {
    const { times } = buildSchedule([{ duration: 5000, rate: 1000 }]);
    expect(times.length).toBe(5000);
    const perSecond = [0, 0, 0, 0, 0];
    for (const t of times) perSecond[Math.floor(t / 1000)]!++;
    expect(perSecond).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  it('follows a 100 -> 3,000/s ramp: the count in each second is the integral of the rate', () => {
    const { times, duration } = buildSchedule([{ duration: 30_000, rate: 100, rampTo: 3000 }]);
    expect(duration).toBe(30_000);
    expect(times.length).toBe(stageArrivals({ duration: 30_000, rate: 100, rampTo: 3000 }));
    const perSecond = new Array(30).fill(0);
    for (const t of times) perSecond[Math.floor(t / 1000)]++;
    // Second k: integral of 100 + (2900/30) t from k to k+1 = 100 + 2900 (2k + 1) / 60.
    perSecond.forEach((count, k) => {
      expect(Math.abs(count - (100 + (2900 * (2 * k + 1)) / 60))).toBeLessThanOrEqual(1);
    });
  });

  it('reports stage starts', () => {
    const s = buildSchedule([
      { duration: 50_000, rate: 1, rampTo: 100 },
      { duration: 150_000, rate: 100, rampTo: 180 },
    ]);
    expect(s.stageStarts).toEqual([0, 50_000]);
    expect(s.duration).toBe(200_000);
    expect(s.times.length).toBe(Math.ceil(stageArrivals({ duration: 50_000, rate: 1, rampTo: 100 }) + 21_000));
  });

  it('refuses a plan that cannot fit in memory', () => {
    expect(() => buildSchedule([{ duration: 3_600_000, rate: 1e6 }])).toThrow(/at most/);
  });
});

describe('buildSchedule (poisson)', () => {
  it('is repeatable for a seed and averages the rate', () => {
    const stages = [{ duration: 10_000, rate: 1000 }];
    const a = buildSchedule(stages, { arrival: 'poisson', rng: createRng('s') }).times;
    const b = buildSchedule(stages, { arrival: 'poisson', rng: createRng('s') }).times;
    expect(Array.from(a.slice(0, 50))).toEqual(Array.from(b.slice(0, 50)));
    expect(Math.abs(a.length - 10_000)).toBeLessThan(400); // 4 standard deviations
    expect(a.every((t, i) => i === 0 || t >= (a[i - 1] as number))).toBe(true);
    expect(a[a.length - 1]).toBeLessThan(10_000);
  });

  it('needs an rng', () => {
    expect(() => buildSchedule([{ duration: 1000, rate: 1 }], { arrival: 'poisson' })).toThrow(/RNG/);
  });
});
