import { describe, expect, it } from 'vitest';
import { parseYamlSource, Scenario, scaleScenario, validateSource } from '../../src/config/index.ts';
import type { FloodgateError, SearchStats } from '../../src/core/index.ts';
import { buildThresholds, evaluateThresholds } from '../../src/gate/index.ts';
import { makeResult } from '../helpers/result-fixture.ts';

const SEARCH = `
name: site-capacity
load:
  - search:
      name: site
      target: GET /healthz
      budget: { p95: 200ms, errors: 1% }
      from: 50
      to: 800
      targetTps: 375
thresholds:
  search.site.rate: ">= 375"
`;

const parse = (text: string) => validateSource(Scenario, parseYamlSource(text, 's.yaml'));

function search(rate: number | null, target: number | null = 375): SearchStats {
  return {
    name: 'site',
    budget: { p95: 200, errors: 0.01 },
    from: 50,
    to: 800,
    stepDuration: 5000,
    rate,
    failedAt: null,
    target,
    headroom: rate !== null && target ? (rate - target) / target : null,
    note: '',
    summary: '',
    confidence: { held: 4, failed: 2, invalid: 0, repeatHeld: true, p95Noise: 3, bracket: 0.02 },
    probes: [],
  };
}

describe('search steps in a scenario', () => {
  it('parse with their defaults and a name, and keep their step length under --scale', () => {
    const s = parse(SEARCH);
    const step = s.load[0]?.search;
    expect(step).toMatchObject({ name: 'site', from: 50, to: 800, targetTps: 375, stepDuration: 5000, resolution: 0.02, maxProbes: 30 });
    expect(step?.budget).toEqual({ p95: 200, errors: 0.01 });
    expect(scaleScenario(s, 0.01).load[0]?.search?.stepDuration).toBe(5000);
  });

  it.each([
    ['a budget without a latency bound', ['p95: 200ms, ', ''], /at least one latency bound/],
    ['`to` under `from`', ['to: 800', 'to: 40'], /`to` must be above `from`/],
    ['a step too short to measure', ['to: 800', 'to: 800\n      stepDuration: 200ms'], /at least 1s/],
  ])('refuses %s, naming it', (_, [from, to], message) => {
    let issues = '';
    try {
      parse(SEARCH.replace(from as string, to as string));
    } catch (error) {
      issues = (error as FloodgateError).issues.map((i) => i.message).join('\n');
    }
    expect(issues).toMatch(message);
  });
});

describe('search thresholds', () => {
  it('hold when the answer reaches the bound and fail when it does not, or when there is no answer', () => {
    const { thresholds, issues } = buildThresholds({ 'search.site.rate': '>= 375', 'search.headroom': '>= 10%' }, { searches: ['site'] });
    expect(issues).toEqual([]);
    const ok = evaluateThresholds(thresholds, makeResult({ searches: [search(412)] }));
    expect(ok.map((o) => o.ok)).toEqual([true, false]);
    expect(ok[0]?.actual).toBe(412);
    expect(ok[1]?.actual).toBeCloseTo(0.0987, 3);
    const short = evaluateThresholds(thresholds, makeResult({ searches: [search(300)] }));
    expect(short.map((o) => o.ok)).toEqual([false, false]);
    const none = evaluateThresholds(thresholds, makeResult({ searches: [search(null)] }));
    expect(none[0]?.message).toContain('has no value');
    expect(evaluateThresholds(thresholds, makeResult())[0]?.ok).toBe(false);
  });

  it('are validated at load time: an unknown search, field or unit is refused', () => {
    const { issues } = buildThresholds(
      { 'search.sight.rate': '>= 375', 'search.site.p95': '< 1s', 'search.site.rate': '< 200ms' },
      { searches: ['site'] },
    );
    expect(issues.map((i) => i.message)).toEqual([
      'no search named `sight` in this scenario',
      'unknown metric `search.site.p95`',
      '"< 200ms": search.site.rate is a rate, but the bound is a duration',
    ]);
  });
});
