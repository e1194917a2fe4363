/**
 * Mann-Whitney U test (Wilcoxon rank-sum), two-sided. Checked: simple-statistics has
 * `wilcoxonRankSum` (the statistic only, no p-value and no tie correction), so the test is
 * written here, following scipy.stats.mannwhitneyu (method 2 of the Wikipedia article, "Normal
 * approximation and tie correction"); `test/stats/mann-whitney.test.ts` checks it against scipy.
 */
export interface MannWhitneyResult {
  /** U for the first sample: the number of (a, b) pairs with a > b, ties counting one half. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'asymptotic';
  /** The standardised statistic (asymptotic method only). */
  z: number | null;
  ties: boolean;
}

/**
 * Largest sample size (each) for which the exact null distribution is used when there are no
 * ties. scipy's `auto` switches at 8; exact stays cheap far beyond (the recurrence below costs
 * about n1²·n2²/4 steps, 200k at 30 x 30), and is what small per-second samples deserve.
 */
export const EXACT_MAX_N = 30;

/**
 * Runs the test. Exact null distribution when both samples have at most {@link EXACT_MAX_N}
 * values and no value is tied; otherwise the normal approximation with tie correction and
 * continuity correction (scipy's default `use_continuity=True`).
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('Mann-Whitney U needs two non-empty samples');
  const { ranks, tieSizes } = rankAverage([...a, ...b]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i] as number;
  // U1 = R1 - n1(n1+1)/2: rank sum of a minus its smallest possible value (Mann & Whitney 1947).
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const ties = tieSizes.length > 0;
  // Two-sided: twice the upper tail at the larger of U1, U2 (scipy's convention), capped at 1.
  const uMax = Math.max(u1, u2);
  if (!ties && n1 <= EXACT_MAX_N && n2 <= EXACT_MAX_N) {
    return { u: u1, p: Math.min(1, 2 * exactUpperTail(uMax, n1, n2)), method: 'exact', z: null, ties };
  }
  const z = standardisedU(uMax, n1, n2, tieSizes);
  return { u: u1, p: Math.min(1, 2 * normalUpperTail(z)), method: 'asymptotic', z, ties };
}

/**
 * z = (U - n1·n2/2 - 0.5) / σ with the tie-corrected σ² = n1·n2/12 · ((n+1) - Σ(t³-t)/(n(n-1)))
 * (Lehmann 1975, as in scipy `_get_mwu_z`); the 0.5 is the continuity correction toward the mean.
 */
function standardisedU(u: number, n1: number, n2: number, tieSizes: readonly number[]): number {
  const n = n1 + n2;
  let tieTerm = 0;
  for (const t of tieSizes) tieTerm += t ** 3 - t;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const numerator = u - (n1 * n2) / 2 - 0.5;
  if (sigma === 0) return numerator > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return numerator / sigma;
}

/** P(Z >= z) = erfc(z/√2)/2. */
export function normalUpperTail(z: number): number {
  if (z === Number.POSITIVE_INFINITY) return 0;
  if (z === Number.NEGATIVE_INFINITY) return 1;
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * Complementary error function, Chebyshev fit with relative error below 1.2e-7 everywhere
 * (Numerical Recipes in C, 2nd ed., §6.2, `erfcc`). simple-statistics' `errorFunction` is the
 * same fit but returns erf = 1 - erfc, which rounds tiny tail probabilities to 0; computing
 * erfc directly keeps p-values like 1e-12 meaningful.
 */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(poly);
  return x >= 0 ? r : 2 - r;
}

/**
 * P(U >= u) under H0 without ties. The null distribution follows the recurrence
 * p(u; m, n) = m/(m+n)·p(u-n; m-1, n) + n/(m+n)·p(u; m, n-1)
 * (Mann & Whitney 1947, eq. 2: the largest of the m+n values is in the first sample with
 * probability m/(m+n), and then it beats all n values of the second). Probabilities rather than
 * counts keep every term positive and within double range.
 */
export function exactUpperTail(u: number, n1: number, n2: number): number {
  // rows[n] holds p(.; m, n) for the current m; built up m = 0..n1.
  let rows: Float64Array[] = [];
  for (let n = 0; n <= n2; n++) rows.push(Float64Array.of(1)); // m = 0: U is 0 with certainty
  for (let m = 1; m <= n1; m++) {
    const next: Float64Array[] = [Float64Array.of(1)]; // n = 0: U is 0 with certainty
    for (let n = 1; n <= n2; n++) {
      const dist = new Float64Array(m * n + 1);
      const fromA = rows[n] as Float64Array; // p(.; m-1, n), shifted by n
      const fromB = next[n - 1] as Float64Array; // p(.; m, n-1)
      const wA = m / (m + n);
      const wB = n / (m + n);
      for (let k = 0; k < fromA.length; k++) dist[k + n] = (dist[k + n] as number) + wA * (fromA[k] as number);
      for (let k = 0; k < fromB.length; k++) dist[k] = (dist[k] as number) + wB * (fromB[k] as number);
      next.push(dist);
    }
    rows = next;
  }
  const dist = rows[n2] as Float64Array;
  let tail = 0;
  for (let k = Math.ceil(u); k < dist.length; k++) tail += dist[k] as number;
  return Math.min(1, tail);
}

/** Average ranks (1-based) of `values`, and the size of every group of tied values (size > 1). */
export function rankAverage(values: readonly number[]): { ranks: number[]; tieSizes: number[] } {
  const order = values.map((_, i) => i).sort((i, j) => (values[i] as number) - (values[j] as number));
  const ranks = new Array<number>(values.length);
  const tieSizes: number[] = [];
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && values[order[end] as number] === values[order[start] as number]) end++;
    // Ranks start+1 .. end share their mean, (start+1+end)/2.
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k] as number] = rank;
    if (end - start > 1) tieSizes.push(end - start);
    start = end;
  }
  return { ranks, tieSizes };
}
