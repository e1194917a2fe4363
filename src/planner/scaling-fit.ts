/**
 * How a figure grows with recipients, from a handful of runs at small scales: a constant, a
 * straight line and a quadratic are fitted by least squares and the simplest one the data
 * support is chosen. "Flat" when the line's slope has a 95% confidence interval that contains 0;
 * "worse than linear" when a quadratic term is positive and its own interval excludes 0 (with
 * 4 points that needs a strong curve: t(0.975, 1) = 12.7); otherwise linear.
 */

/** The shape of growth the data support. */
export type GrowthShape = 'flat' | 'linear' | 'superlinear';

/** A least-squares straight line y = intercept + slope x, with its slope's 95% interval. */
export interface LineFit {
  intercept: number;
  slope: number;
  slopeCi: [number, number];
  rSquared: number;
}

/** y = a + b x + c x², with the 95% interval of c. */
export interface QuadraticFit {
  a: number;
  b: number;
  c: number;
  cCi: [number, number];
  rSquared: number;
}

/** The fit of one figure against recipients. Plain data (JSON-safe). */
export interface ScalingFit {
  points: [number, number][];
  shape: GrowthShape;
  line: LineFit;
  quadratic: QuadraticFit | null;
  /** R² of the chosen model (the line's for flat figures: how little the line explains). */
  rSquared: number;
}

/** A projected value and its 95% prediction interval. */
export interface Prediction {
  value: number;
  low: number;
  high: number;
}

/** Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t(0.975, df); the normal 1.96 beyond 30 degrees of freedom. */
export function tQuantile975(df: number): number {
  if (df < 1) return Number.POSITIVE_INFINITY;
  return T975[Math.floor(df) - 1] ?? 1.96;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Solves the 3x3 system by Gauss-Jordan; null when singular. */
function invert3(m: number[][]): number[][] | null {
  const a = m.map((row, i) => [...row, ...[0, 1, 2].map((j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (Math.abs(a[pivot]![col]!) < 1e-12) return null;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const p = a[col]![col]!;
    a[col] = a[col]!.map((v) => v / p);
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = a[r]![col]!;
      a[r] = a[r]!.map((v, j) => v - f * a[col]![j]!);
    }
  }
  return a.map((row) => row.slice(3));
}

function rSquared(ys: readonly number[], rss: number): number {
  const mean = sum(ys) / ys.length;
  const tss = sum(ys.map((y) => (y - mean) ** 2));
  return tss === 0 ? (rss === 0 ? 1 : 0) : 1 - rss / tss;
}

function fitLine(xs: readonly number[], ys: readonly number[]): LineFit {
  const n = xs.length;
  const mx = sum(xs) / n;
  const my = sum(ys) / n;
  const sxx = sum(xs.map((x) => (x - mx) ** 2));
  const slope = sum(xs.map((x, i) => (x - mx) * ((ys[i] as number) - my))) / sxx;
  const intercept = my - slope * mx;
  const rss = sum(xs.map((x, i) => ((ys[i] as number) - intercept - slope * x) ** 2));
  const half = tQuantile975(n - 2) * Math.sqrt(rss / (n - 2) / sxx);
  return { intercept, slope, slopeCi: [slope - half, slope + half], rSquared: rSquared(ys, rss) };
}

/** The inverse of XᵀX for the quadratic design, kept for prediction intervals. */
function quadraticDesign(xs: readonly number[]): number[][] | null {
  const s = (k: number) => sum(xs.map((x) => x ** k));
  return invert3([
    [xs.length, s(1), s(2)],
    [s(1), s(2), s(3)],
    [s(2), s(3), s(4)],
  ]);
}

function fitQuadratic(xs: readonly number[], ys: readonly number[]): (QuadraticFit & { inv: number[][]; s2: number }) | null {
  if (xs.length < 4) return null;
  const inv = quadraticDesign(xs);
  if (!inv) return null;
  const xty = [0, 1, 2].map((k) => sum(xs.map((x, i) => x ** k * (ys[i] as number))));
  const [a, b, c] = inv.map((row) => sum(row.map((v, j) => v * (xty[j] as number)))) as [number, number, number];
  const rss = sum(xs.map((x, i) => ((ys[i] as number) - a - b * x - c * x * x) ** 2));
  const s2 = rss / (xs.length - 3);
  const half = tQuantile975(xs.length - 3) * Math.sqrt(s2 * (inv[2]?.[2] as number));
  return { a, b, c, cCi: [c - half, c + half], rSquared: rSquared(ys, rss), inv, s2 };
}

/**
 * Fits `points` ([recipients, figure]); needs 3 or more points at 2 or more distinct x.
 * Throws on fewer: the caller checks the number of scales first.
 */
export function fitScaling(points: readonly (readonly [number, number])[]): ScalingFit {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  if (points.length < 3 || new Set(xs).size < 2) throw new Error('a scaling fit needs 3 or more points at different sizes');
  const line = fitLine(xs, ys);
  const quad = fitQuadratic(xs, ys);
  const quadratic = quad ? { a: quad.a, b: quad.b, c: quad.c, cCi: quad.cCi, rSquared: quad.rSquared } : null;
  const flat = line.slopeCi[0] <= 0 && line.slopeCi[1] >= 0;
  const curved = quadratic !== null && quadratic.c > 0 && quadratic.cCi[0] > 0;
  const shape: GrowthShape = flat ? 'flat' : curved ? 'superlinear' : 'linear';
  const rSq = shape === 'superlinear' ? (quadratic as QuadraticFit).rSquared : line.rSquared;
  return { points: points.map((p) => [p[0], p[1]]), shape, line, quadratic, rSquared: rSq };
}

/**
 * The chosen model's value at `x` with its 95% prediction interval (for one new run at that
 * size). Flat: the mean of the runs; linear: the line; superlinear: the quadratic.
 */
export function predict(fit: ScalingFit, x: number): Prediction {
  const xs = fit.points.map((p) => p[0]);
  const ys = fit.points.map((p) => p[1]);
  const n = xs.length;
  if (fit.shape === 'flat') {
    const mean = sum(ys) / n;
    const sd = Math.sqrt(sum(ys.map((y) => (y - mean) ** 2)) / (n - 1));
    const half = tQuantile975(n - 1) * sd * Math.sqrt(1 + 1 / n);
    return { value: mean, low: mean - half, high: mean + half };
  }
  if (fit.shape === 'linear') {
    const { intercept, slope } = fit.line;
    const mx = sum(xs) / n;
    const sxx = sum(xs.map((v) => (v - mx) ** 2));
    const rss = sum(xs.map((v, i) => ((ys[i] as number) - intercept - slope * v) ** 2));
    const value = intercept + slope * x;
    const half = tQuantile975(n - 2) * Math.sqrt((rss / (n - 2)) * (1 + 1 / n + (x - mx) ** 2 / sxx));
    return { value, low: value - half, high: value + half };
  }
  const q = fitQuadratic(xs, ys) as NonNullable<ReturnType<typeof fitQuadratic>>;
  const v = [1, x, x * x];
  const leverage = sum(v.map((vi, i) => vi * sum(v.map((vj, j) => (q.inv[i]?.[j] as number) * vj))));
  const value = q.a + q.b * x + q.c * x * x;
  const half = tQuantile975(n - 3) * Math.sqrt(q.s2 * (1 + leverage));
  return { value, low: value - half, high: value + half };
}
