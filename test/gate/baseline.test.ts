import { describe, expect, it } from 'vitest';
import { ExitCode, InputError, type Result } from '../../src/core/index.ts';
import { compareWithBaseline, providerEfficiency } from '../../src/gate/baseline.ts';
import { buildVerdict } from '../../src/gate/verdict.ts';
import { provider } from '../helpers/result-fixture.ts';
import { buildSampleResult } from '../helpers/result-sample.ts';

const run = (seed: string, extra: Parameters<typeof buildSampleResult>[0] = {}) =>
  buildSampleResult({ seconds: 60, seed, samplesPerSecond: 30, ...extra });

describe('compareWithBaseline: latency', () => {
  it('passes an A/A comparison (same distribution, other seeds) in at least 19 of 20 repetitions', () => {
    let passes = 0;
    for (let i = 0; i < 20; i++) {
      const comparison = compareWithBaseline(run(`aa-cand-${i}`), run(`aa-base-${i}`), { resamples: 500 });
      if (!comparison.regressed) passes++;
    }
    expect(passes).toBeGreaterThanOrEqual(19);
  });

  it('catches a 50 ms shift as a significant regression beyond the noise threshold', () => {
    const comparison = compareWithBaseline(run('shift-c', { latencyShiftMs: 50 }), run('shift-b'), { resamples: 500 });
    expect(comparison.latency?.significant).toBe(true);
    expect(comparison.latency?.beyondNoise).toBe(true);
    expect(comparison.latency?.ratio.lower).toBeGreaterThan(1.1);
    expect(comparison.regressed).toBe(true);
    expect(comparison.reasons[0]).toMatch(/^latency p95\/s \+\d/);
    const verdict = buildVerdict(run('shift-c', { latencyShiftMs: 50 }), comparison);
    expect(verdict.exitCode).toBe(ExitCode.Regression);
    expect(verdict.headline).toMatch(/^REGRESSION against baseline: latency p95\/s/);
  });

  it('does not call a significant but small shift a regression (noise threshold)', () => {
    const comparison = compareWithBaseline(
      run('small-c', { latencyShiftMs: 3, samplesPerSecond: 200 }),
      run('small-b', { samplesPerSecond: 200 }),
      {
        resamples: 300,
      },
    );
    expect(comparison.latency?.beyondNoise).toBe(false);
    expect(comparison.regressed).toBe(false);
  });

  it('is deterministic: the same files give the same interval', () => {
    const a = run('det-a');
    const b = run('det-b');
    expect(compareWithBaseline(a, b, { resamples: 200 }).latency).toEqual(compareWithBaseline(a, b, { resamples: 200 }).latency);
  });
});

describe('compareWithBaseline: counts and efficiency', () => {
  const base = run('counts');
  it.each([
    ['duplicates', { duplicates: 2 }, 'provider.alimtalk.duplicates rose from 0 to 2'],
    ['lost', { lost: 1 }, 'campaign.welcome.lost rose from 0 to 1'],
  ] as const)('any increase in %s is a regression', (_name, extra, reason) => {
    const comparison = compareWithBaseline(run('counts', extra), base, { resamples: 100 });
    expect(comparison.reasons).toContain(reason);
  });

  it('counts one unit over the limit in a sliding second', () => {
    const candidate = structuredClone(base);
    const p = candidate.providers.alimtalk as Result['providers'][string];
    p.maxPerSecondWindow = (p.limitPerSecond ?? 0) + 1;
    expect(compareWithBaseline(candidate, base, { resamples: 100 }).reasons).toContain('provider.alimtalk.overLimit rose from 0 to 1');
  });

  it('equal counts are not a regression', () => {
    expect(compareWithBaseline(run('counts'), base, { resamples: 100 }).regressed).toBe(false);
  });

  it('flags throughput efficiency that falls beyond the noise threshold', () => {
    const slow = compareWithBaseline(run('eff', { achieved: 150 }), run('eff'), { resamples: 100 });
    const eff = slow.efficiency.find((e) => e.metric === 'provider.alimtalk.efficiency');
    expect(eff?.regressed).toBe(true);
    expect(eff?.candidate).toBeCloseTo(0.75, 2);
    const close = compareWithBaseline(run('eff', { achieved: 185 }), run('eff'), { resamples: 100 });
    expect(close.efficiency.find((e) => e.metric === 'provider.alimtalk.efficiency')?.regressed).toBe(false);
  });

  it('measures efficiency over the sending span, not idle tails', () => {
    const perSecond = [0, 0, 200, 200, 100, 0].map((admitted, i) => ({ t: i * 1000, admitted, rejected: 0 }));
    expect(providerEfficiency(provider({ admitted: 500, perSecond }), 6000)).toBeCloseTo(500 / 600, 10);
    expect(providerEfficiency(provider({ limitPerSecond: null }), 6000)).toBeNull();
  });
});

describe('compareWithBaseline: comparability', () => {
  it('refuses a baseline from another scenario with an InputError (exit 4)', () => {
    const other = run('x', { scenarioHash: 'sha256:other' });
    expect(() => compareWithBaseline(run('x'), other, { label: 'old.json' })).toThrow(InputError);
    expect(() => compareWithBaseline(run('x'), other, { label: 'old.json' })).toThrow(/old\.json is from another scenario/);
  });

  it('warns about another tool major version but still compares', () => {
    const comparison = compareWithBaseline(run('v', { toolVersion: '1.0.0' }), run('v'), { resamples: 100 });
    expect(comparison.warnings[0]).toMatch(/floodgate 0\.1\.0, this result by 1\.0\.0/);
    expect(comparison.latency).not.toBeNull();
  });

  it('says why latency was not compared when there is too little of it', () => {
    const short = buildSampleResult({ seconds: 3, seed: 's' });
    const comparison = compareWithBaseline(short, short, { resamples: 100 });
    expect(comparison.latency).toBeNull();
    expect(comparison.notes.join()).toMatch(/latency not compared: 3 and 3 seconds/);
  });
});
