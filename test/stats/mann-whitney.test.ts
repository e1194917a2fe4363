import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXACT_MAX_N, exactUpperTail, mannWhitneyU, normalUpperTail, rankAverage } from '../../src/stats/mann-whitney.ts';

interface Case {
  name: string;
  a: number[];
  b: number[];
  ties: boolean;
  exact: { U_a: number; p_two_sided: number } | null;
  asymptotic: { U_a: number; p_two_sided: number };
}

// scipy 1.17.1 reference values, copied from /work/shared/fixtures so the test runs on a clean clone.
const fixture = JSON.parse(readFileSync(new URL('../fixtures/mann-whitney.json', import.meta.url), 'utf8')) as { cases: Case[] };

describe('mannWhitneyU against scipy', () => {
  it('covers both methods', () => {
    const methods = new Set(fixture.cases.map((c) => mannWhitneyU(c.a, c.b).method));
    expect(methods).toEqual(new Set(['exact', 'asymptotic']));
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = mannWhitneyU(c.a, c.b);
    const small = c.a.length <= EXACT_MAX_N && c.b.length <= EXACT_MAX_N;
    expect(result.method).toBe(!c.ties && small ? 'exact' : 'asymptotic');
    expect(result.ties).toBe(c.ties);
    const reference = result.method === 'exact' ? c.exact : c.asymptotic;
    if (!reference) throw new Error(`fixture ${c.name} has no ${result.method} value`);
    expect(Math.abs(result.u - reference.U_a)).toBeLessThan(1e-9);
    expect(Math.abs(result.p - reference.p_two_sided)).toBeLessThan(1e-6);
  });

  it('is symmetric: swapping the samples gives U2 and the same p', () => {
    const c = fixture.cases[3] as Case;
    const ab = mannWhitneyU(c.a, c.b);
    const ba = mannWhitneyU(c.b, c.a);
    expect(ba.u).toBe(c.a.length * c.b.length - ab.u);
    expect(ba.p).toBeCloseTo(ab.p, 12);
  });

  it('refuses empty samples', () => {
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
  });
});

describe('exact null distribution', () => {
  it.each([
    // P(U >= u) by enumeration: 1/C(n1+n2, n1) per arrangement.
    [0, 3, 3, 1],
    [9, 3, 3, 1 / 20],
    [8, 3, 3, 2 / 20],
    [25, 5, 5, 1 / 252],
  ])('P(U >= %d | n1=%d, n2=%d) = %f', (u, n1, n2, p) => {
    expect(exactUpperTail(u, n1, n2)).toBeCloseTo(p, 12);
  });
});

describe('rankAverage', () => {
  it('gives tied values their mean rank and reports the tie sizes', () => {
    expect(rankAverage([10, 20, 20, 5, 20])).toEqual({ ranks: [2, 4, 4, 1, 4], tieSizes: [3] });
  });
});

describe('normalUpperTail', () => {
  it.each([
    // scipy.stats.norm.sf
    [0, 0.5],
    [1.959963984540054, 0.025],
    [-1, 0.8413447460685429],
    [7, 1.279812543885835e-12],
  ])('P(Z >= %f) = %f within 1.2e-7 relative', (z, p) => {
    expect(Math.abs(normalUpperTail(z) - p) / p).toBeLessThan(1.2e-7);
  });
});
