import { describe, expect, it } from 'vitest';
import { erlangB, erlangC, fitUsl, headroom, serviceLevel, smallestPool, uslThroughput } from '../../src/planner/index.ts';

describe('Erlang C', () => {
  it('10 Erlangs on 14 servers wait with probability 0.17413193', () => {
    const r = erlangC({ arrivalRate: 10, serviceTime: 1000, servers: 14 });
    expect(Math.abs(r.pWait - 0.17413193)).toBeLessThan(1e-6);
    expect(r.offeredLoad).toBe(10);
    expect(r.stable).toBe(true);
  });

  it('M/M/2 at 1 Erlang waits with probability exactly 1/3', () => {
    expect(erlangC({ arrivalRate: 1, serviceTime: 1000, servers: 2 }).pWait).toBe(1 / 3);
    // Same load in other units: 5/s for 200 ms.
    expect(erlangC({ arrivalRate: 5, serviceTime: 200, servers: 2 }).pWait).toBeCloseTo(1 / 3, 14);
  });

  it.each([
    // A, c, Erlang B (textbook values)
    [1, 1, 0.5],
    [1, 2, 0.2],
    [2, 2, 0.4],
  ])('Erlang B(A=%d, c=%d) = %f', (a, c, b) => expect(erlangB(a, c)).toBeCloseTo(b, 14));

  it('M/M/1 reduces to rho and Wq = rho / (mu - lambda)', () => {
    // lambda 0.5/s, 1 s service: rho 0.5, Wq = 0.5 / 0.5 = 1 s.
    const r = erlangC({ arrivalRate: 0.5, serviceTime: 1000, servers: 1 });
    expect(r.pWait).toBeCloseTo(0.5, 14);
    expect(r.meanWait).toBeCloseTo(1000, 9);
  });

  it('mean wait for M/M/2 at A=1: Wq = C / (c mu - lambda) = (1/3) / 1 s', () => {
    expect(erlangC({ arrivalRate: 1, serviceTime: 1000, servers: 2 }).meanWait).toBeCloseTo(1000 / 3, 9);
  });

  it('service level P(Wq <= t) = 1 - C e^{-(c mu - lambda) t}', () => {
    const input = { arrivalRate: 1, serviceTime: 1000, servers: 2 };
    expect(serviceLevel(input, 0)).toBeCloseTo(2 / 3, 14);
    expect(serviceLevel(input, 1000)).toBeCloseTo(1 - Math.exp(-1) / 3, 14);
  });

  it('is unstable when A >= c', () => {
    const r = erlangC({ arrivalRate: 3, serviceTime: 1000, servers: 3 });
    expect(r).toMatchObject({ stable: false, pWait: 1, meanWait: Number.POSITIVE_INFINITY });
  });

  it('stays finite for thousands of servers', () => {
    const r = erlangC({ arrivalRate: 1900, serviceTime: 1000, servers: 2000 });
    expect(r.pWait).toBeGreaterThan(0);
    expect(r.pWait).toBeLessThan(1);
  });

  it('sizes the smallest pool meeting a wait target', () => {
    // 10 Erlangs: 14 servers wait with P 0.174; find the least c with P(wait within 0) >= 0.9.
    const c = smallestPool({ arrivalRate: 10, serviceTime: 1000 }, { serviceLevel: { within: 0, probability: 0.9 } });
    expect(c).not.toBeNull();
    const at = (n: number) => serviceLevel({ arrivalRate: 10, serviceTime: 1000, servers: n }, 0);
    expect(at(c as number)).toBeGreaterThanOrEqual(0.9);
    expect(at((c as number) - 1)).toBeLessThan(0.9);
    expect(smallestPool({ arrivalRate: 10, serviceTime: 1000 }, {})).toBe(11);
    const byMean = smallestPool({ arrivalRate: 1, serviceTime: 1000 }, { meanWait: 400 });
    expect(byMean).toBe(2);
  });

  it('refuses a fractional server count', () =>
    expect(() => erlangC({ arrivalRate: 1, serviceTime: 1, servers: 1.5 })).toThrow(RangeError));
});

const SPECSDM91 = [1, 18, 36, 72, 108, 144, 216].map((n, i) => ({
  n,
  x: [64.9, 995.9, 1652.4, 1853.2, 1828.9, 1775.0, 1702.2][i] as number,
}));

function rel(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('USL fit', () => {
  it('fits the R usl package specsdm91 data', () => {
    const fit = fitUsl(SPECSDM91);
    expect(rel(fit.alpha, 0.02773)).toBeLessThan(1e-3);
    expect(rel(fit.beta, 1.044e-4)).toBeLessThan(1e-3);
    expect(rel(fit.gamma, 90.0)).toBeLessThan(1e-3);
    expect(rel(fit.nPeak as number, 96.52)).toBeLessThan(1e-3);
    expect(fit.model).toBe('usl');
    expect(fit.xRoof).toBeCloseTo(fit.gamma / fit.alpha, 9);
    expect(fit.xPeak).toBeCloseTo(uslThroughput(fit.nPeak as number, fit), 9);
    expect(fit.rSquared).toBeGreaterThan(0.98);
  });

  it('recovers the synthetic set alpha 0.02, beta 0.02, gamma 1', () => {
    const points = [1, 2, 4, 6, 8, 10].map((n, i) => ({ n, x: [1, 1.8868, 3.0769, 3.5294, 3.5398, 3.3557][i] as number }));
    const fit = fitUsl(points);
    expect(fit.alpha).toBeCloseTo(0.02, 3);
    expect(fit.beta).toBeCloseTo(0.02, 3);
    expect(fit.gamma).toBeCloseTo(1, 3);
  });

  it('holds beta at 0 (Amdahl) when the unconstrained fit wants it negative', () => {
    // Generated with beta = -0.002: super-linear crosstalk that the bounds must refuse.
    const points = [1, 2, 3, 4, 6, 8].map((n) => ({ n, x: (10 * n) / (1 + 0.1 * (n - 1) - 0.002 * n * (n - 1)) }));
    const fit = fitUsl(points);
    expect(fit.beta).toBe(0);
    expect(fit.model).toBe('amdahl');
    expect(fit.nPeak).toBeNull();
    expect(fit.xRoof).toBe(fit.gamma / fit.alpha);
    expect(fit.alpha).toBeGreaterThan(0);
  });

  it('recovers exact Amdahl data', () => {
    const points = [1, 2, 4, 8, 16].map((n) => ({ n, x: (5 * n) / (1 + 0.05 * (n - 1)) }));
    const fit = fitUsl(points);
    expect(fit.model).toBe('amdahl');
    expect(fit.alpha).toBeCloseTo(0.05, 8);
    expect(fit.gamma).toBeCloseTo(5, 8);
  });

  it('puts the peak at N = 1 when throughput only falls', () => {
    const fit = fitUsl([1, 2, 4, 8].map((n) => ({ n, x: 10 / n })));
    expect(fit.nPeak).toBe(1);
    expect(fit.xPeak).toBeCloseTo(10, 9);
  });

  it('solves for the concurrency of a target without cancellation at large scale', () => {
    const p = { alpha: 0.001, beta: 1e-8, gamma: 1e6 };
    const fit = fitUsl([1, 10, 100, 1000, 10_000].map((n) => ({ n, x: uslThroughput(n, p) })));
    const room = headroom(fit, 5e8);
    expect(uslThroughput(room.concurrencyForTarget as number, fit) / 5e8).toBeCloseTo(1, 9);
    expect(headroom(fit, 5).concurrencyForTarget).toBe(1);
  });

  it('refuses fewer than 3 distinct points', () => {
    expect(() =>
      fitUsl([
        { n: 1, x: 1 },
        { n: 2, x: 2 },
      ]),
    ).toThrow(RangeError);
    expect(() =>
      fitUsl([
        { n: 1, x: 1 },
        { n: 1, x: 2 },
        { n: 2, x: 2 },
      ]),
    ).toThrow(RangeError);
  });

  it('headroom against a target', () => {
    const fit = fitUsl(SPECSDM91);
    const room = headroom(fit, 1500);
    expect(room.meets).toBe(true);
    expect(room.headroom).toBeCloseTo(((fit.xPeak as number) - 1500) / 1500, 12);
    expect(uslThroughput(room.concurrencyForTarget as number, fit)).toBeCloseTo(1500, 6);
    const beyond = headroom(fit, 2500);
    expect(beyond).toMatchObject({ meets: false, concurrencyForTarget: null });
    expect(beyond.headroom).toBeLessThan(0);
    const amdahl = headroom({ alpha: 0.05, beta: 0, gamma: 5, xPeak: null, xRoof: 100 }, 50);
    expect(uslThroughput(amdahl.concurrencyForTarget as number, { alpha: 0.05, beta: 0, gamma: 5 })).toBeCloseTo(50, 9);
  });
});
