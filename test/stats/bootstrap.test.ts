import { quantileSorted } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.ts';
import { bootstrapRatio } from '../../src/stats/bootstrap.ts';

function lognormal(rng: ReturnType<typeof createRng>, n: number, median: number, sigma: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    // Box-Muller: a standard normal from two uniforms.
    const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    out.push(median * Math.exp(sigma * z));
  }
  return out;
}

/** The textbook version: resample, sort, take type-7 quantiles; same draw order as bootstrapRatio. */
function reference(unsortedA: number[], unsortedB: number[], seed: number, p: number, resamples: number) {
  // bootstrapRatio resamples from the sorted samples (it needs them sorted for the estimate).
  const a = [...unsortedA].sort((x, y) => x - y);
  const b = [...unsortedB].sort((x, y) => x - y);
  const rng = createRng(seed);
  const draw = (xs: number[]) => xs.map(() => xs[Math.floor(rng.next() * xs.length)] as number).sort((x, y) => x - y);
  const ratios: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const ra = draw(a);
    const rb = draw(b);
    ratios.push(quantileSorted(rb, p) / quantileSorted(ra, p));
  }
  ratios.sort((x, y) => x - y);
  return [quantileSorted(ratios, 0.025), quantileSorted(ratios, 0.975)];
}

describe('bootstrapRatio', () => {
  it.each([
    ['median', 0.5, 7, 8],
    ['p95', 0.95, 60, 45],
  ] as const)('matches a sort-based reference (%s = quantile %d, n=%d/%d)', (statistic, p, na, nb) => {
    const data = createRng(`ref-${statistic}`);
    const a = lognormal(data, na, 40, 0.4);
    const b = lognormal(data, nb, 45, 0.4);
    const ci = bootstrapRatio(a, b, { rng: createRng(9), statistic, resamples: 300 });
    const [lower, upper] = reference(a, b, 9, p, 300);
    expect(ci.lower).toBeCloseTo(lower as number, 12);
    expect(ci.upper).toBeCloseTo(upper as number, 12);
  });

  it('repeats exactly with the same seed and differs with another', () => {
    const data = createRng('data');
    const a = lognormal(data, 60, 40, 0.4);
    const b = lognormal(data, 60, 44, 0.4);
    const one = bootstrapRatio(a, b, { rng: createRng(1), resamples: 500 });
    const two = bootstrapRatio(a, b, { rng: createRng(1), resamples: 500 });
    const other = bootstrapRatio(a, b, { rng: createRng(2), resamples: 500 });
    expect(two).toEqual(one);
    expect(other.lower).not.toBe(one.lower);
    expect(one.lower).toBeLessThanOrEqual(one.estimate);
    expect(one.upper).toBeGreaterThanOrEqual(one.estimate);
  });

  it.each(['median', 'p95'] as const)('covers the true ratio of %s in most repetitions (coverage sanity)', (statistic) => {
    // True ratio 1.25: the candidate is the baseline scaled, so every quantile scales by 1.25.
    let covered = 0;
    const repetitions = 40;
    for (let i = 0; i < repetitions; i++) {
      const data = createRng(`coverage-${statistic}-${i}`);
      const a = lognormal(data, 80, 40, 0.3);
      const b = lognormal(data, 80, 50, 0.3);
      const ci = bootstrapRatio(a, b, { rng: createRng(i), statistic, resamples: 400 });
      if (ci.lower <= 1.25 && 1.25 <= ci.upper) covered++;
    }
    // Nominal 95%; the percentile method under-covers a little at n=80, never this badly.
    expect(covered).toBeGreaterThanOrEqual(32);
  });

  it('excludes 1 for a large shift and includes it for equal samples', () => {
    const data = createRng('shift');
    const a = lognormal(data, 60, 40, 0.2);
    const shifted = a.map((x) => x + 50);
    expect(bootstrapRatio(a, shifted, { rng: createRng(3), resamples: 300 }).lower).toBeGreaterThan(1.5);
    const same = bootstrapRatio(a, a, { rng: createRng(3), resamples: 300 });
    expect(same.estimate).toBe(1);
    expect(same.lower).toBeLessThan(1);
    expect(same.upper).toBeGreaterThan(1);
  });
});
