/**
 * The Universal Scalability Law (N. J. Gunther, "Guerrilla Capacity Planning", Springer 2007,
 * ch. 4): X(N) = gamma N / (1 + alpha (N - 1) + beta N (N - 1)), with alpha the contention
 * (serial) fraction, beta the coherency (crosstalk) cost and gamma the throughput of one unit.
 * Fitted to measured (N, X) by least squares on X, as the R `usl` package does, with the bounds
 * alpha, beta >= 0. When beta sits on its bound the model is Amdahl's law.
 *
 * Why written here: simple-statistics has only linear regression, and the bounded non-linear
 * fit is small. Method: for each face of the bounds (alpha and/or beta free or held at 0) a
 * Levenberg-Marquardt fit (Marquardt 1963, with his diagonal scaling, which copes with alpha
 * ~ 1e-2 next to beta ~ 1e-4) from the best point of a log grid; gamma starts at its
 * closed-form optimum (X is linear in gamma). The best feasible face is the constrained
 * optimum (the KKT point lies in the interior of exactly one face).
 */

/** One measured point: concurrency N and throughput X. */
export interface UslPoint {
  n: number;
  x: number;
}

/** A USL fit and what it implies. */
export interface UslFit {
  alpha: number;
  beta: number;
  gamma: number;
  /** N* = sqrt((1 - alpha) / beta), where throughput peaks (at least 1); null when beta = 0 (no peak). */
  nPeak: number | null;
  /** X(N*); null without a peak. */
  xPeak: number | null;
  /** gamma / alpha, the asymptote without coherency cost; null when alpha = 0. */
  xRoof: number | null;
  rSquared: number;
  model: 'usl' | 'amdahl';
}

/** Throughput the USL predicts at concurrency n. */
export function uslThroughput(n: number, p: { alpha: number; beta: number; gamma: number }): number {
  return (p.gamma * n) / (1 + p.alpha * (n - 1) + p.beta * n * (n - 1));
}

type Params = [alpha: number, beta: number, gamma: number];

function sse(points: readonly UslPoint[], p: Params): number {
  let sum = 0;
  for (const { n, x } of points) {
    const d = 1 + p[0] * (n - 1) + p[1] * n * (n - 1);
    if (!(d > 0)) return Number.POSITIVE_INFINITY;
    const r = x - (p[2] * n) / d;
    sum += r * r;
  }
  return sum;
}

/** For fixed alpha, beta: X = gamma f(N), so the least-squares gamma = sum(x f) / sum(f^2). */
function bestGamma(points: readonly UslPoint[], alpha: number, beta: number): number {
  let xf = 0;
  let ff = 0;
  for (const { n, x } of points) {
    const f = n / (1 + alpha * (n - 1) + beta * n * (n - 1));
    xf += x * f;
    ff += f * f;
  }
  return ff > 0 ? xf / ff : 0;
}

function logGrid(from: number, to: number, steps: number): number[] {
  return [0, ...Array.from({ length: steps }, (_, i) => from * (to / from) ** (i / (steps - 1)))];
}

function gridStart(points: readonly UslPoint[], freeAlpha: boolean, freeBeta: boolean): Params {
  let best: Params = [0, 0, bestGamma(points, 0, 0)];
  let bestSse = sse(points, best);
  for (const a of freeAlpha ? logGrid(1e-6, 1, 31) : [0]) {
    for (const b of freeBeta ? logGrid(1e-9, 1, 46) : [0]) {
      const p: Params = [a, b, bestGamma(points, a, b)];
      const s = sse(points, p);
      if (s < bestSse) [best, bestSse] = [p, s];
    }
  }
  return best;
}

/** Solves the small dense system M d = v by Gaussian elimination with partial pivoting. */
function solve(m: number[][], v: number[]): number[] | null {
  const k = v.length;
  const a = m.map((row, i) => [...row, v[i] as number]);
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (Math.abs(a[pivot]![col]!) < 1e-300) return null;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = col + 1; r < k; r++) {
      const f = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= k; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  const out = new Array<number>(k).fill(0);
  for (let r = k - 1; r >= 0; r--) {
    let s = a[r]![k]!;
    for (let c = r + 1; c < k; c++) s -= a[r]![c]! * out[c]!;
    out[r] = s / a[r]![r]!;
  }
  return out;
}

/** Levenberg-Marquardt over the free parameters (indices into alpha, beta, gamma). */
function levenbergMarquardt(points: readonly UslPoint[], start: Params, free: number[]): Params {
  let p: Params = [...start];
  let cost = sse(points, p);
  let lambda = 1e-3;
  for (let iter = 0; iter < 500; iter++) {
    // Jacobian of the model: dX/dalpha = -g N (N-1) / D^2, dX/dbeta = -g N^2 (N-1) / D^2, dX/dgamma = N / D.
    const jtj = free.map(() => free.map(() => 0));
    const jtr = free.map(() => 0);
    for (const { n, x } of points) {
      const d = 1 + p[0] * (n - 1) + p[1] * n * (n - 1);
      const full = [(-p[2] * n * (n - 1)) / (d * d), (-p[2] * n * n * (n - 1)) / (d * d), n / d];
      const row = free.map((i) => full[i] as number);
      const r = x - (p[2] * n) / d;
      row.forEach((ji, i) => {
        jtr[i]! += ji * r;
        row.forEach((jk, k) => {
          jtj[i]![k]! += ji * jk;
        });
      });
    }
    let improved = false;
    while (lambda < 1e16) {
      const m = jtj.map((row, i) => row.map((v, k) => (i === k ? v + lambda * (v || 1e-12) : v)));
      const step = solve(m, jtr);
      if (!step) break;
      const next: Params = [...p];
      free.forEach((idx, i) => {
        next[idx] = (next[idx] as number) + (step[i] as number);
      });
      const nextCost = sse(points, next);
      if (nextCost < cost) {
        const relative = (cost - nextCost) / Math.max(cost, 1e-300);
        [p, cost] = [next, nextCost];
        lambda = Math.max(lambda / 10, 1e-15);
        improved = relative > 1e-15;
        break;
      }
      lambda *= 10;
    }
    if (!improved) break;
  }
  return p;
}

/**
 * Fits the USL to measured points by bounded least squares on X (alpha, beta >= 0). Needs at
 * least 3 points with distinct N; a fit whose beta reaches 0 is reported as Amdahl's law.
 */
export function fitUsl(points: readonly UslPoint[]): UslFit {
  if (points.length < 3 || new Set(points.map((p) => p.n)).size < 3) {
    throw new RangeError('a USL fit needs at least 3 points with distinct concurrency');
  }
  if (points.some((p) => !(p.n > 0) || !Number.isFinite(p.x) || p.x < 0)) {
    throw new RangeError('concurrency must be > 0 and throughput >= 0');
  }
  const faces: [boolean, boolean][] = [
    [true, true],
    [true, false],
    [false, true],
    [false, false],
  ];
  let best: { p: Params; cost: number } | null = null;
  for (const [freeAlpha, freeBeta] of faces) {
    const free = [...(freeAlpha ? [0] : []), ...(freeBeta ? [1] : []), 2];
    const p = levenbergMarquardt(points, gridStart(points, freeAlpha, freeBeta), free);
    if (p[0] < 0 || p[1] < 0) continue;
    const cost = sse(points, p);
    if (!best || cost < best.cost * (1 - 1e-12)) best = { p, cost };
  }
  const [alpha, beta, gamma] = best!.p;
  const mean = points.reduce((s, q) => s + q.x, 0) / points.length;
  const sst = points.reduce((s, q) => s + (q.x - mean) ** 2, 0);
  // N* from dX/dN = 0: gamma (1 - alpha - beta N^2) / D^2 = 0 (Gunther 2007, eq. 4.33). Below
  // N = 1 (or with alpha >= 1) throughput only falls as N grows, so the peak is at N = 1.
  const nPeak = beta > 0 ? (alpha < 1 ? Math.max(1, Math.sqrt((1 - alpha) / beta)) : 1) : null;
  return {
    alpha,
    beta,
    gamma,
    nPeak,
    xPeak: nPeak === null ? null : uslThroughput(nPeak, { alpha, beta, gamma }),
    xRoof: alpha > 0 ? gamma / alpha : null,
    rSquared: sst > 0 ? 1 - best!.cost / sst : 1,
    model: beta === 0 ? 'amdahl' : 'usl',
  };
}

/** How a fitted system stands against a target throughput. */
export interface Headroom {
  targetTps: number;
  /** The most the fit says the system can do: X(N*) or, without a peak, the roof gamma/alpha. */
  maxTps: number;
  /** (max - target) / target: 0.25 means 25% to spare, negative means the target is out of reach. */
  headroom: number;
  /** Smallest concurrency at which X(N) reaches the target, null if it never does. */
  concurrencyForTarget: number | null;
  meets: boolean;
}

/**
 * Headroom against a target T. Solving X(N) = T gives the quadratic
 * T beta N^2 + (T alpha - T beta - gamma) N + T (1 - alpha) = 0; its smaller positive root is
 * the least concurrency that reaches T (linear when beta = 0: N = T (1 - alpha) / (gamma - T alpha)).
 */
export function headroom(fit: Pick<UslFit, 'alpha' | 'beta' | 'gamma' | 'xPeak' | 'xRoof'>, targetTps: number): Headroom {
  const { alpha, beta, gamma } = fit;
  const maxTps = fit.xPeak ?? fit.xRoof ?? (gamma > 0 ? Number.POSITIVE_INFINITY : 0);
  const t = targetTps;
  let n: number | null = null;
  if (beta > 0) {
    const qa = t * beta;
    const qb = t * alpha - t * beta - gamma;
    const qc = t * (1 - alpha);
    const disc = qb * qb - 4 * qa * qc;
    if (disc >= 0 && qb < 0) {
      // Numerically stable roots (Press et al., Numerical Recipes, sec. 5.6): q = -(b - sqrt(disc)) / 2,
      // roots q / a and c / q; the textbook form cancels catastrophically when 4ac << b^2.
      const q = (-qb + Math.sqrt(disc)) / 2;
      const roots = [q / qa, qc / q].filter((r) => r > 0);
      n = roots.length > 0 ? Math.min(...roots) : null;
    }
  } else if (gamma > t * alpha) {
    n = (t * (1 - alpha)) / (gamma - t * alpha);
  }
  // Concurrency below one unit is not a setting anyone can use: a target under X(1) needs N = 1.
  const concurrencyForTarget = n !== null && Number.isFinite(n) ? Math.max(1, n) : null;
  return { targetTps, maxTps, headroom: (maxTps - t) / t, concurrencyForTarget, meets: maxTps >= t };
}
