import { describe, expect, it } from 'vitest';
import { parseYamlSource, resolvePlanRates, Scenario, scaleScenario, validateSource } from '../../src/config/index.ts';
import { type FloodgateError, formatIssue } from '../../src/core/index.ts';

const ALIMTALK = `
name: alimtalk-420k
system:
  dispatcher: embedded
  providers:
    alimtalk: { kind: alimtalk, tps: 200, overLimit: reject, callbacks: true }
load:
  - campaign: { channel: alimtalk, recipients: 420000, template: welcome, deadline: 40m }
  - phases:
      target: POST /v1/reports/alimtalk
      stages: [ {duration: 50s, rate: 1, rampTo: 100}, {duration: 150s, rate: 100, rampTo: 180},
                {duration: 100s, rate: 180}, {duration: 100s, rate: 180, rampTo: 0} ]
  - phases:
      name: mix
      templates:
        - { weight: 25, path: "/answers/{{seq}}" }
        - { weight: 37.5, path: /questions }
        - { weight: 37.5, method: POST, path: /subscribe, body: { email: "{{recipient}}", id: "{{uuid}}" } }
      stages: [ { duration: 1m, rate: { plan: scenarios/plans/mail-morning.yaml, value: targetTps } } ]
thresholds:
  http.latency.p95: "< 200ms"
`;

const parse = (text: string) => validateSource(Scenario, parseYamlSource(text, 's.yaml'));

function problems(text: string): string[] {
  try {
    parse(text);
  } catch (error) {
    expect((error as FloodgateError).exitCode).toBe(4);
    return (error as FloodgateError).issues.map(formatIssue);
  }
  throw new Error('expected a validation error');
}

describe('scenario schema', () => {
  it('parses, names and defaults the architecture example', () => {
    const s = parse(ALIMTALK);
    expect(s.timeouts).toEqual({ request: 10_000, preflight: 3000, drain: 10_000, campaign: 600_000 });
    const [campaign, reports, mix] = s.load;
    expect(campaign).toMatchObject({
      campaign: { name: 'campaign-1', pattern: 'campaign-1-{n}', recipients: 420_000, deadline: 2_400_000 },
    });
    expect(reports).toMatchObject({
      phases: { name: 'phases-2', target: { method: 'POST', path: '/v1/reports/alimtalk' }, arrival: 'uniform' },
    });
    expect(mix?.phases?.templates?.map((t) => [t.weight, t.method])).toEqual([
      [25, 'GET'],
      [37.5, 'GET'],
      [37.5, 'POST'],
    ]);
    expect(s.system.providers.alimtalk).toMatchObject({ kind: 'alimtalk', tps: 200 });
  });

  it('reports every problem at once with positions', () => {
    const text = [
      'name: bad name',
      'load:',
      '  - phases:',
      '      target: SEND /x',
      '      stages: [ { duration: 10s, rate: fast } ]',
      '  - sweep: { target: GET /, concurency: [1, 2] }',
      '  - campaign: { channel: x, recipients: 10 }',
      'timeouts: { request: 10 }',
      '',
    ].join('\n');
    expect(problems(text)).toEqual([
      expect.stringMatching(/^s\.yaml:1:7 name: /),
      expect.stringMatching(/^s\.yaml:4:15 load\[0\]\.phases\.target: write a method and a path/),
      expect.stringMatching(/^s\.yaml:5:40 load\[0\]\.phases\.stages\[0\]\.rate: "fast" is not a rate/),
      's.yaml:6:12 load[1].sweep.concurrency: is required',
      expect.stringMatching(/^s\.yaml:6:29 load\[1\]\.sweep\.concurency: unknown key `concurency` \(did you mean `concurrency`\?\)/),
      expect.stringMatching(/^s\.yaml:7:15 load\[2\]\.campaign\.template: is required/),
      expect.stringMatching(/^s\.yaml:8:22 timeouts\.request: .*not a duration/),
    ]);
  });

  it('wants exactly one of target and templates', () => {
    expect(problems('name: a\nload:\n  - phases: { stages: [ { duration: 1s, rate: 1 } ] }\n')).toEqual([
      expect.stringMatching(/load\[0\]\.phases\.target: give either `target`/),
    ]);
  });
});

describe('resolvePlanRates', () => {
  it('replaces plan references and reports failures with positions', async () => {
    const s = parse(ALIMTALK);
    const ok = await resolvePlanRates(s, (plan, value) => (plan.endsWith('mail-morning.yaml') && value === 'targetTps' ? 375 : Number.NaN));
    expect(ok.issues).toEqual([]);
    const mix = ok.scenario.load[2];
    expect(mix?.phases?.stages[0]?.rate).toBe(375);
    const source = parseYamlSource(ALIMTALK, 's.yaml');
    const bad = await resolvePlanRates(
      validateSource(Scenario, source),
      () => {
        throw new Error('no such value');
      },
      source,
    );
    expect(bad.issues.map(formatIssue)).toEqual([
      's.yaml:19:39 load[2].phases.stages[0].rate: cannot take `targetTps` from scenarios/plans/mail-morning.yaml: no such value',
    ]);
  });
});

describe('scaleScenario', () => {
  it('shrinks counts and durations and keeps rates', () => {
    const s = scaleScenario(parse(ALIMTALK), 0.01);
    const [campaign, reports] = s.load;
    expect([campaign?.campaign?.recipients, campaign?.campaign?.deadline]).toEqual([4200, 24_000]);
    expect(reports?.phases?.stages).toEqual([
      { duration: 500, rate: 1, rampTo: 100 },
      { duration: 1500, rate: 100, rampTo: 180 },
      { duration: 1000, rate: 180 },
      { duration: 1000, rate: 180, rampTo: 0 },
    ]);
    expect(s.timeouts.request).toBe(10_000);
    expect(Object.isFrozen(s.load)).toBe(true);
  });

  it('keeps sweeps at least a second per step and counts at least one', () => {
    const s = scaleScenario(
      parse(
        'name: a\nload:\n  - sweep: { target: GET /, concurrency: [1, 8], duration: 10s }\n  - campaign: { channel: c, recipients: 3, template: t }\n',
      ),
      0.001,
    );
    expect(s.load[0]).toMatchObject({ sweep: { duration: 1000, concurrency: [1, 8] } });
    expect(s.load[1]).toMatchObject({ campaign: { recipients: 1 } });
  });

  it('scales a provider quota the scenario states (a count), not one left to the mock default', () => {
    const s = scaleScenario(
      parse(`
name: q
system:
  providers:
    ses: { kind: ses, quota: "50,000", quotaWindow: 24h }
    tx: { kind: ses, quota: 100000 }
    other: { kind: ses }
load: [ { phases: { target: GET /, stages: [ { duration: 10m, rate: 1 } ] } } ]
`),
      0.01,
    );
    expect(s.system.providers).toMatchObject({ ses: { quota: 500, quotaWindow: '24h' }, tx: { quota: 1000 }, other: { kind: 'ses' } });
    expect((s.system.providers.other as Record<string, unknown>).quota).toBeUndefined();
  });

  it('is the identity at 1 and refuses 0', () => {
    const s = parse(ALIMTALK);
    expect(scaleScenario(s, 1)).toEqual(s);
    expect(() => scaleScenario(s, 0)).toThrow(RangeError);
  });
});
