import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/index.ts';
import { compareWithBaseline } from '../../src/gate/baseline.ts';
import { buildChecks } from '../../src/gate/checks.ts';
import { buildVerdict, renderVerdictText } from '../../src/gate/verdict.ts';
import { makeResult, provider } from '../helpers/result-fixture.ts';
import { buildSampleResult } from '../helpers/result-sample.ts';

describe('buildVerdict', () => {
  it.each([
    ['a clean run passes', makeResult(), ExitCode.Pass, /^PASS: 0 thresholds and 4 checks held, 0 skipped \(fixture, 21 s\)$/],
    [
      'a failed threshold fails',
      makeResult({
        thresholds: [
          {
            metric: 'http.latency.p95',
            expression: '< 100ms',
            actual: 120,
            ok: false,
            message: 'http.latency.p95: < 100ms (actual 120ms)',
          },
        ],
      }),
      ExitCode.ThresholdsFailed,
      /^FAIL: 1 of 1 thresholds failed: http\.latency\.p95: < 100ms \(actual 120ms\)/,
    ],
    [
      'duplicates fail a run even without a threshold',
      makeResult({
        providers: { alimtalk: provider({ duplicates: 180, duplicateDeliveries: 18_000, offenders: [{ recipient: 'r-1', count: 101 }] }) },
      }),
      ExitCode.ThresholdsFailed,
      /^FAIL: 1 of 4 correctness checks failed: alimtalk: 180 recipient\(s\) got the same message more than once \(18000 extra deliveries; worst: r-1 x101\)/,
    ],
    [
      'a sliding second over the limit fails',
      makeResult({ providers: { alimtalk: provider({ maxPerSecondWindow: 400 }) } }),
      ExitCode.ThresholdsFailed,
      /alimtalk: 400 recipients in one sliding second, over the limit of 200/,
    ],
    [
      'an invalid run is invalid, whatever else failed',
      makeResult({
        validity: { verdict: 'INVALID', reasons: ['generator saturated'] },
        providers: { alimtalk: provider({ duplicates: 1 }) },
      }),
      ExitCode.RunInvalid,
      /^INVALID: the run cannot be trusted: generator saturated/,
    ],
  ])('%s', (_name, result, exitCode, headline) => {
    const verdict = buildVerdict(result);
    expect(verdict.exitCode).toBe(exitCode);
    expect(verdict.headline).toMatch(headline);
    expect(renderVerdictText(verdict).split('\n')[0]).toBe(verdict.headline);
  });

  it('names lost recipients per campaign', () => {
    const base = makeResult();
    const campaign = { ...(base.campaigns[0] as (typeof base.campaigns)[number]), lost: 4, delivered: 4196 };
    const checks = buildChecks(makeResult({ campaigns: [campaign] }));
    expect(checks.find((c) => c.id === 'campaign.welcome.lost')).toMatchObject({ status: 'fail', actual: 4 });
  });

  it('skips the window check of an unlimited provider', () => {
    const checks = buildChecks(makeResult({ providers: { fcm: provider({ kind: 'fcm', limitPerSecond: null }) } }));
    expect(checks.find((c) => c.id === 'provider.fcm.window')?.status).toBe('skip');
  });

  it('carries DEGRADED runs as a warning', () => {
    const verdict = buildVerdict(makeResult({ validity: { verdict: 'DEGRADED', reasons: ['schedule lag p99 12ms'] } }));
    expect(verdict.exitCode).toBe(ExitCode.Pass);
    expect(verdict.warnings).toEqual(['run DEGRADED: schedule lag p99 12ms']);
  });
});

describe('buildVerdict with a comparison', () => {
  it('lists a regression among the reasons when thresholds fail too (exit 1 wins)', () => {
    const candidate = buildSampleResult({ seconds: 30, seed: 'v-c', latencyShiftMs: 50, duplicates: 2 });
    const comparison = compareWithBaseline(candidate, buildSampleResult({ seconds: 30, seed: 'v-b' }), {
      resamples: 100,
      label: 'old.json',
    });
    const verdict = buildVerdict(candidate, comparison);
    expect(verdict.exitCode).toBe(ExitCode.ThresholdsFailed);
    expect(verdict.reasons.filter((r) => r.startsWith('regression against old.json: '))).toHaveLength(3);
  });
});
