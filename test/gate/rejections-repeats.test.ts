import { describe, expect, it } from 'vitest';
import { ExitCode, type Result, type ThresholdOutcome } from '../../src/core/index.ts';
import { buildChecks, buildVerdict, compareWithBaseline, stampVerdict } from '../../src/gate/index.ts';
import { makeResult, provider } from '../helpers/result-fixture.ts';

const declared = (metric: string, actual: number, ok = true): ThresholdOutcome => ({
  metric,
  expression: '< 500',
  actual,
  ok,
  message: `${metric}: < 500 (actual ${actual})`,
});

describe('the built-in rejection check and a scenario that expects rejections', () => {
  const rejected = (thresholds: ThresholdOutcome[] = []) => makeResult({ providers: { alimtalk: provider({ rejected: 60 }) }, thresholds });

  it.each([
    ['no threshold of its own: any rejection fails', [], 'fail', ExitCode.ThresholdsFailed],
    [
      'provider.alimtalk.rejected declared and held: skipped, the run passes',
      [declared('provider.alimtalk.rejected', 60)],
      'skip',
      ExitCode.Pass,
    ],
    ['provider.rejected (all providers) declared: skipped too', [declared('provider.rejected', 60)], 'skip', ExitCode.Pass],
    [
      'declared and broken: the threshold fails the run',
      [declared('provider.alimtalk.rejected', 600, false)],
      'skip',
      ExitCode.ThresholdsFailed,
    ],
    ['a threshold on another provider does not count', [declared('provider.fcm.rejected', 0)], 'fail', ExitCode.ThresholdsFailed],
  ] as const)('%s', (_name, thresholds, status, exitCode) => {
    const result = rejected([...thresholds]);
    const check = buildChecks(result).find((c) => c.id === 'provider.alimtalk.rejected');
    expect(check?.status).toBe(status);
    if (status === 'skip') expect(check?.message).toMatch(/60 recipients rejected; the scenario's own threshold decides/);
    expect(buildVerdict(result).exitCode).toBe(exitCode);
  });

  it('leaves expected rejections out of the strict baseline comparison, and says so', () => {
    const candidate = rejected([declared('provider.alimtalk.rejected', 60)]);
    const comparison = compareWithBaseline(candidate, makeResult(), { resamples: 50 });
    expect(comparison.counts.map((c) => c.metric)).not.toContain('provider.alimtalk.rejected');
    expect(comparison.notes).toContain("provider alimtalk: rejections are judged by the scenario's own threshold, not compared");
    expect(comparison.regressed).toBe(false);
    const strict = compareWithBaseline(rejected(), makeResult(), { resamples: 50 });
    expect(strict.reasons).toContain('provider.alimtalk.rejected rose from 0 to 60');
  });
});

describe('stampVerdict', () => {
  it.each([
    ['a clean result', makeResult(), { status: 'pass', exitCode: 0 }],
    // The runner alone would call this a pass: no threshold failed, but a correctness check did.
    [
      'duplicates without a threshold',
      makeResult({ providers: { alimtalk: provider({ duplicates: 3 }) } }),
      { status: 'fail', exitCode: 1 },
    ],
    ['an invalid run', makeResult({ validity: { verdict: 'INVALID', reasons: ['aborted'] } }), { status: 'invalid', exitCode: 3 }],
  ] as const)('stores the gate verdict of %s', (_name, result, expected) => {
    const stamped = stampVerdict(result as Result);
    expect(stamped.verdict).toMatchObject(expected);
    expect(stamped.verdict.reasons).toEqual(buildVerdict(result as Result).reasons);
  });
});

describe('compareWithBaseline with repetitions (floodgate run --repeat N)', () => {
  const rep = (admitted: number, duplicates = 0) => makeResult({ providers: { alimtalk: provider({ admitted, duplicates }) } });
  const base = makeResult(); // 4200 admitted in 21 s at 200/s: efficiency 100%

  it('takes the median of the per-repetition efficiencies: one slow repetition is noise', () => {
    const comparison = compareWithBaseline([rep(4200), rep(2000), rep(4100)], base, { resamples: 50 });
    const eff = comparison.efficiency.find((e) => e.metric === 'provider.alimtalk.efficiency');
    expect(eff?.candidate).toBeCloseTo(4100 / 4200, 6);
    expect(comparison.regressed).toBe(false);
    expect(comparison.notes[0]).toBe('3 repetitions pooled against baseline');
  });

  it('regresses when the median repetition is slower beyond the noise threshold', () => {
    const comparison = compareWithBaseline([rep(2000), rep(2100), rep(4200)], base, { resamples: 50 });
    expect(comparison.efficiency.find((e) => e.metric === 'provider.alimtalk.efficiency')?.candidate).toBeCloseTo(2100 / 4200, 6);
    expect(comparison.regressed).toBe(true);
  });

  it('takes the worst repetition for correctness counts', () => {
    const comparison = compareWithBaseline([rep(4200), rep(4200, 3), rep(4200)], base, { resamples: 50 });
    expect(comparison.reasons).toContain('provider.alimtalk.duplicates rose from 0 to 3');
  });

  it('is the single-result comparison for one repetition', () => {
    const one = rep(3000);
    expect(compareWithBaseline([one], base, { resamples: 50 })).toEqual(compareWithBaseline(one, base, { resamples: 50 }));
  });
});
