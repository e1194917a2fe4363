import { describe, expect, it } from 'vitest';
import { parseYamlSource, Scenario, scaleScenario, validateSource } from '../../src/config/index.ts';
import { type FloodgateError, formatIssue, type LatenessStats, Result } from '../../src/core/index.ts';
import { buildChecks, buildThresholds, evaluateThresholds } from '../../src/gate/index.ts';
import { makeResult } from '../helpers/result-fixture.ts';

const lateness = (l: Partial<LatenessStats> = {}): LatenessStats => ({
  p50: 120,
  p95: 900,
  p99: 1800,
  max: 2500,
  early: 0,
  tolerance: 1,
  reached: 4200,
  firstDue: 5000,
  lastDue: 65_000,
  buckets: [],
  ...l,
});

/** The fixture's campaign `welcome` with due times, and a second one (`plain`) without. */
function scheduledResult(l: Partial<LatenessStats> = {}) {
  const base = makeResult();
  const welcome = { ...(base.campaigns[0] as Result['campaigns'][number]), lateness: lateness(l) };
  return makeResult({ campaigns: [welcome, { ...welcome, name: 'plain', lateness: undefined }] });
}

const evaluate = (spec: Record<string, string>, result: Result) => {
  const { thresholds, issues } = buildThresholds(spec, { campaigns: ['welcome', 'plain'], scheduledCampaigns: ['welcome'] });
  expect(issues).toEqual([]);
  return evaluateThresholds(thresholds, result).map((o) => [o.metric, o.ok, o.actual]);
};

describe('lateness thresholds', () => {
  it('reads lateness percentiles (ms) and the early count of a scheduled campaign', () => {
    const r = scheduledResult({ early: 3 });
    expect(Result.parse(r)).toBeTruthy();
    expect(
      evaluate(
        {
          'campaign.welcome.lateness.p99': '< 5s',
          'campaign.welcome.lateness.p50': '< 100ms',
          'campaign.welcome.lateness.max': '<= 2500ms',
          'campaign.welcome.early': '== 0',
          'campaign.lateness.p95': '< 1s',
        },
        r,
      ),
    ).toEqual([
      ['campaign.welcome.lateness.p99', true, 1800],
      ['campaign.welcome.lateness.p50', false, 120],
      ['campaign.welcome.lateness.max', true, 2500],
      ['campaign.welcome.early', false, 3],
      ['campaign.lateness.p95', true, 900],
    ]);
  });

  it('never passes over zero reached recipients', () => {
    const r = scheduledResult({ reached: 0, p50: null, p95: null, p99: null, max: null, early: 0 });
    const outcomes = evaluate({ 'campaign.welcome.lateness.p99': '< 5s', 'campaign.welcome.early': '== 0' }, r);
    expect(outcomes).toEqual([
      ['campaign.welcome.lateness.p99', false, null],
      ['campaign.welcome.early', false, null],
    ]);
  });

  it('refuses, before the run, a lateness threshold on a campaign without due times', () => {
    const { issues } = buildThresholds(
      { 'campaign.plain.lateness.p99': '< 5s', 'campaign.plain.early': '== 0', 'campaign.welcome.early': '== 0' },
      { campaigns: ['welcome', 'plain'], scheduledCampaigns: ['welcome'] },
    );
    expect(issues.map((i) => [i.path.join('/'), i.message])).toEqual([
      ['thresholds/campaign.plain.lateness.p99', 'campaign `plain` has no `due:`, so it has no lateness or early deliveries to check'],
      ['thresholds/campaign.plain.early', 'campaign `plain` has no `due:`, so it has no lateness or early deliveries to check'],
    ]);
    expect(issues[0]?.hint).toMatch(/campaigns with due times: welcome/);
    const none = buildThresholds({ 'campaign.lateness.p99': '< 5s' }, { campaigns: ['plain'], scheduledCampaigns: [] });
    expect(none.issues.map((i) => i.message)).toEqual(['no campaign in this scenario has `due:`, so campaign.lateness.p99 has no value']);
  });

  it('refuses a bound of the wrong kind and an aggregate', () => {
    const { issues } = buildThresholds(
      { 'campaign.welcome.lateness.p99': '< 5%', 'campaign.welcome.early': 'max == 0' },
      { campaigns: ['welcome'], scheduledCampaigns: ['welcome'] },
    );
    expect(issues.map((i) => i.message)).toEqual([
      '"< 5%": campaign.welcome.lateness.p99 is a duration, but the bound is a fraction',
      '"max == 0": `max` does not apply to campaign.welcome.early; it takes no aggregate: write the bound alone, e.g. "== 0"',
    ]);
  });
});

describe('the built-in early check', () => {
  const early = (r: Result) => buildChecks(r).find((c) => c.id === 'campaign.welcome.early');

  it('fails naming the count and the tolerance, passes with none early, skips over nothing reached', () => {
    expect(early(scheduledResult({ early: 7 }))).toMatchObject({
      status: 'fail',
      actual: 7,
      message: 'campaign welcome: 7 of 4200 recipient(s) were delivered before they were due (more than 1ms early)',
    });
    expect(early(scheduledResult())).toMatchObject({ status: 'pass', actual: 0 });
    expect(early(scheduledResult({ reached: 0 }))).toMatchObject({ status: 'skip' });
    // A campaign without due times has no such check.
    expect(buildChecks(scheduledResult()).some((c) => c.id === 'campaign.plain.early')).toBe(false);
  });
});

const scenario = (due: string) => `
name: due
load:
  - campaign:
      channel: fcm
      recipients: 1000
      template: t
      due: ${due}
`;

function problems(text: string): string[] {
  try {
    validateSource(Scenario, parseYamlSource(text, 's.yaml'));
  } catch (error) {
    expect((error as FloodgateError).exitCode).toBe(4);
    return (error as FloodgateError).issues.map(formatIssue);
  }
  throw new Error('expected a validation error');
}

describe('campaign due: schema', () => {
  it('accepts the three forms and defaults the tolerance to 1ms', () => {
    const parse = (due: string) => validateSource(Scenario, parseYamlSource(scenario(due), 's.yaml')).load[0]?.campaign?.due;
    expect(parse('{ at: 30s }')).toEqual({ at: 30_000, tolerance: 1 });
    expect(parse('{ at: 30s, spread: 60s }')).toEqual({ at: 30_000, spread: 60_000, tolerance: 1 });
    expect(parse('{ at: 0s, every: 1m, batch: 10000, tolerance: 5ms }')).toEqual({ at: 0, every: 60_000, batch: 10_000, tolerance: 5 });
  });

  it.each([
    [
      '{ at: 1s, spread: 5s, every: 1s, batch: 10 }',
      /s\.yaml:8:\d+ .*load\[0\]\.campaign\.due\.every.*give either `spread` or `every` \+ `batch`, not both/,
    ],
    ['{ at: 1s, every: 1s }', /s\.yaml:8:\d+ .*due\.every.*`every` needs `batch`/],
    ['{ at: 1s, batch: 10 }', /s\.yaml:8:\d+ .*due\.batch.*`batch` needs `every`/],
    ['{ at: 1.5ms }', /due\.at.*whole milliseconds/],
    ['{ spread: 5s }', /due\.at/],
    ['{ at: soon }', /due\.at/],
    ['{ at: 1s, every: 0s, batch: 1 }', /due\.every.*at least 1ms/],
    ['{ at: 1s, jitter: 5s }', /due.*jitter/],
  ])('refuses %s with its file, line and key', (due, message) => {
    const found = problems(scenario(due));
    expect(found.join('\n')).toMatch(message);
  });

  it('--scale keeps due times and scales the batch (ceil, at least 1)', () => {
    const s = validateSource(Scenario, parseYamlSource(scenario('{ at: 10s, every: 1m, batch: 10000 }'), 's.yaml'));
    const small = scaleScenario(s, 0.01).load[0]?.campaign;
    expect(small?.recipients).toBe(10);
    expect(small?.due).toEqual({ at: 10_000, every: 60_000, batch: 100, tolerance: 1 });
    expect(scaleScenario(s, 0.000_001).load[0]?.campaign?.due?.batch).toBe(1);
  });
});
