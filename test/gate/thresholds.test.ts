import { describe, expect, it } from 'vitest';
import type { ProviderStats } from '../../src/core/index.ts';
import { buildThresholds, evaluateThresholds, parseThresholdExpression } from '../../src/gate/index.ts';
import { makeResult, provider } from '../helpers/result-fixture.ts';

describe('threshold expressions', () => {
  it.each([
    ['< 200ms', { comparator: '<', value: 200, kind: 'duration' }],
    ['p(95) < 200ms', { aggregate: { name: 'p', percentile: 95 }, comparator: '<', value: 200, kind: 'duration' }],
    ['rate(errors) < 1%', { aggregate: { name: 'rate', of: 'errors' }, comparator: '<', value: 0.01, kind: 'fraction' }],
    ['== 0', { comparator: '==', value: 0, kind: 'number' }],
    ['<= 200', { comparator: '<=', value: 200, kind: 'number' }],
    ['max < 256MB', { aggregate: { name: 'max' }, comparator: '<', value: 256e6, kind: 'size' }],
    ['< 40m', { comparator: '<', value: 2_400_000, kind: 'duration' }],
    ['>= 190/s', { comparator: '>=', value: 190, kind: 'rate' }],
    ['p(99.9)<1s', { aggregate: { name: 'p', percentile: 99.9 }, comparator: '<', value: 1000, kind: 'duration' }],
  ])('%s', (source, expected) => expect(parseThresholdExpression(source)).toEqual({ ...expected, source }));

  it.each([
    ['< fast', /not a number/],
    ['p(0) < 1s', /percentile in \(0, 100\]/],
    ['p95 < 1s', /unknown aggregate "p95"; write p\(95\)/],
    ['less than 200ms', /a comparison in words; write it with a comparator: "< 200ms"/],
    ['at most 1%', /write it with a comparator: "<= 1%"/],
    ['greater than or equal to 3', /write it with a comparator: ">= 3"/],
    ['equal to 0', /write it with a comparator: "== 0"/],
    ['eval(1) < 2', /unknown function eval\(\)/],
    ['200ms', /expected a comparator/],
    ['=< 3', /expected a comparator/],
  ])('refuses %s', (source, message) =>
    expect(parseThresholdExpression(source)).toMatchObject({ message: expect.stringMatching(message) }),
  );
});

describe('buildThresholds', () => {
  it('reports every problem at once with its key path', () => {
    const { issues } = buildThresholds(
      {
        'http.latency.p95': '< 200ms',
        'campaign.lost': '< 200ms',
        'provider.alimtlk.duplicates': '== 0',
        'http.lateny': 'p(95) < 1s',
        'http.errors': ['rate(errors) < 1%', 'oops'],
      },
      { providers: ['alimtalk'] },
    );
    expect(issues.map((i) => [i.path.join('/'), i.message])).toEqual([
      ['thresholds/campaign.lost', '"< 200ms": campaign.lost is a number, but the bound is a duration'],
      ['thresholds/provider.alimtlk.duplicates', 'no provider named `alimtlk` in this scenario'],
      ['thresholds/http.lateny', 'unknown metric `http.lateny`'],
      [
        'thresholds/http.errors/1',
        '"oops": unknown aggregate "oops"; use one of avg, mean, min, max, med, last, count, sum, rate, p(N) or rate(name)',
      ],
    ]);
  });
});

describe('aggregates are validated against their metric family, before a run', () => {
  const refused = (metric: string, source: string) => buildThresholds({ [metric]: source }, { series: ['dispatcher.rss'] }).issues;
  it.each([
    ['http.latency', 'sum < 5s', /`sum` does not apply to http\.latency; it takes p\(N\), avg, mean, min, max, med, count/],
    ['http.latency', 'rate(errors) < 5', /`rate\(errors\)` does not apply to http\.latency/],
    ['http.errors', 'rate(timeouts) < 1%', /`rate\(timeouts\)` does not apply to http\.errors; it takes count, rate, rate\(errors\)/],
    ['provider.delivered', 'sum >= 10', /`sum` does not apply to provider\.delivered; it takes no aggregate/],
    ['campaign.lost', 'max == 0', /`max` does not apply to campaign\.lost/],
    ['dispatcher.rss', 'sum < 256MB', /`sum` does not apply to dispatcher\.rss; it takes max, min, avg, mean, last/],
    ['dispatcher.rss', 'count < 10', /`count` does not apply/],
    ['dispatcher.rss.max', 'avg < 256MB', /`avg` does not apply to dispatcher\.rss\.max; it takes no aggregate/],
    ['http.latency.p95', 'max < 1s', /`max` does not apply to http\.latency\.p95/],
  ])('%s: %s is refused', (metric, source, message) => {
    const issues = refused(metric, source);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(message);
  });

  it('refuses an aggregate written into a latency key that latency does not take (it once read the p95)', () => {
    const { issues } = buildThresholds({ 'http.latency.sum': '< 5s' });
    expect(issues[0]?.message).toBe('unknown metric `http.latency.sum`');
  });

  it.each([
    ['http.latency', 'p(99) < 1s'],
    ['http.latency', 'med < 1s'],
    ['http.errors', 'rate(errors) < 1%'],
    ['http.errors', 'rate < 1%'],
    ['http.errors', '== 0'],
    ['provider.duplicates', '== 0'],
    ['dispatcher.rss', 'max < 256MB'],
    ['dispatcher.rss.last', '< 256MB'],
  ])('%s: %s is taken', (metric, source) => {
    expect(refused(metric, source)).toEqual([]);
  });
});

describe('evaluateThresholds', () => {
  const evaluate = (spec: Record<string, string>, result = makeResult()) => {
    const { thresholds, issues } = buildThresholds(spec);
    expect(issues).toEqual([]);
    return evaluateThresholds(thresholds, result).map((o) => [o.metric, o.ok, o.actual]);
  };

  it('reads each metric family from the result', () => {
    expect(
      evaluate({
        'http.latency.p95': '< 200ms',
        'http.latency.raw': 'p(95) <= 100ms',
        'http.errors': 'rate(errors) < 1%',
        'http.timeouts': '== 0',
        'provider.alimtalk.duplicates': '== 0',
        'provider.maxPerSecondWindow': '<= 200',
        'campaign.lost': '== 0',
        'campaign.welcome.drainTime': '< 24s',
        'dispatcher.rss.max': '< 256MB',
        'generator.scheduleLagP99': '< 5ms',
      }),
    ).toEqual([
      ['http.latency.p95', true, 120],
      ['http.latency.raw', true, 100],
      ['http.errors', true, 0.008],
      ['http.timeouts', false, 2],
      ['provider.alimtalk.duplicates', true, 0],
      ['provider.maxPerSecondWindow', true, 200],
      ['campaign.lost', true, 0],
      ['campaign.welcome.drainTime', true, 21_000],
      ['dispatcher.rss.max', true, 120e6],
      ['generator.scheduleLagP99', true, 1.2],
    ]);
  });

  it('fails story 3: duplicates and a sliding window over the limit', () => {
    const result = makeResult({ providers: { alimtalk: provider({ duplicates: 180, maxPerSecondWindow: 380 }) } });
    expect(evaluate({ 'provider.alimtalk.duplicates': '== 0', 'provider.alimtalk.maxPerSecondWindow': '<= 200' }, result)).toEqual([
      ['provider.alimtalk.duplicates', false, 180],
      ['provider.alimtalk.maxPerSecondWindow', false, 380],
    ]);
  });

  it('fails a campaign that never drained, and a metric with no data', () => {
    const base = makeResult();
    const undrained = makeResult({ campaigns: base.campaigns.map((c) => ({ ...c, drainTime: null })) });
    expect(evaluate({ 'campaign.drainTime': '< 40m', 'provider.fcm.duplicates': '== 0' }, undrained)).toEqual([
      ['campaign.drainTime', false, Number.POSITIVE_INFINITY],
      ['provider.fcm.duplicates', false, null],
    ]);
  });

  it('never holds over nothing: an error rate of no requests, a count a result does not carry', () => {
    const idle = makeResult({ http: { ...makeResult().http, requests: 0, completed: 0, errors: {} } });
    expect(evaluate({ 'http.errors': 'rate(errors) < 1%' }, idle)).toEqual([['http.errors', false, null]]);
    // `deduplicated` is absent from results older than it: no value, not 0.
    expect(evaluate({ 'provider.alimtalk.deduplicated': '< 5' }, makeResult())).toEqual([['provider.alimtalk.deduplicated', false, null]]);
    const withIt = makeResult({ providers: { alimtalk: { ...(makeResult().providers.alimtalk as ProviderStats), deduplicated: 3 } } });
    expect(evaluate({ 'provider.alimtalk.deduplicated': '< 5' }, withIt)).toEqual([['provider.alimtalk.deduplicated', true, 3]]);
  });
});
