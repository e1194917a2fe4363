import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toArrivalStages, toK6Duration, toK6Thresholds, toK8sName } from '../../src/export/index.ts';
import { cli } from '../helpers/cli.ts';
import { typecheckK6Scripts } from '../helpers/k6-typecheck.ts';

const scenarios = readdirSync('scenarios').filter((f) => f.endsWith('.yaml'));
const out = mkdtempSync(join(tmpdir(), 'fg-k6-export-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('toArrivalStages: floodgate phases -> k6 ramping-arrival-rate stages', () => {
  it.each([
    {
      name: "story 3's callback ramp",
      stages: [
        { duration: 50_000, rate: 1, rampTo: 100 },
        { duration: 150_000, rate: 100, rampTo: 180 },
        { duration: 100_000, rate: 180 },
        { duration: 100_000, rate: 180, rampTo: 0 },
      ],
      want: {
        startRate: 1,
        timeUnit: '1s',
        stages: [
          { duration: '50s', target: 100 },
          { duration: '150s', target: 180 },
          { duration: '100s', target: 180 },
          { duration: '100s', target: 0 },
        ],
      },
    },
    {
      name: 'a rate that jumps gets a 0 s stage',
      stages: [
        { duration: 1500, rate: 10 },
        { duration: 2000, rate: 50 },
      ],
      want: {
        startRate: 10,
        timeUnit: '1s',
        stages: [
          { duration: '1500ms', target: 10 },
          { duration: '0s', target: 50 },
          { duration: '2s', target: 50 },
        ],
      },
    },
    {
      name: 'fractional rates are written per minute',
      stages: [{ duration: 60_000, rate: 93.75, rampTo: 166.67 }],
      want: { startRate: 5625, timeUnit: '1m', stages: [{ duration: '60s', target: 10000 }] },
    },
  ])('$name', ({ stages, want }) => {
    expect(toArrivalStages(stages)).toEqual(want);
  });

  it('durations and Kubernetes names', () => {
    expect([toK6Duration(30_000), toK6Duration(1), toK6Duration(2500)]).toEqual(['30s', '1ms', '2500ms']);
    expect(toK8sName('floodgate-My_Scenario.v2')).toBe('floodgate-my-scenario-v2');
  });
});

describe('toK6Thresholds: the gate grammar -> k6 thresholds', () => {
  it.each([
    ['http.latency.p95', '< 200ms', 'http_req_duration', 'p(95)<200'],
    ['http.latency', 'p(99) <= 1.5s', 'http_req_duration', 'p(99)<=1500'],
    ['http.latency.avg', '< 200ms', 'http_req_duration', 'avg<200'],
    ['http.latency.raw.p999', '< 1s', 'http_req_duration', 'p(99.9)<1000'],
    ['http.errors', 'rate(errors) < 1%', 'http_req_failed', 'rate<0.01'],
    ['http.errors', '< 0.5%', 'http_req_failed', 'rate<0.005'],
    ['http.requests', '>= 1000', 'http_reqs', 'count>=1000'],
    ['http.dropped', '== 0', 'dropped_iterations', 'count==0'],
    ['provider.alimtalk.duplicates', '== 0', 'floodgate_duplicates{provider:alimtalk}', 'count==0'],
    ['provider.fcm.maxPerMinuteWindow', '<= 600000', 'floodgate_max_per_minute{provider:fcm}', 'value<=600000'],
  ])('%s: "%s" -> %s %s', (key, expression, metric, k6) => {
    const mapped = toK6Thresholds({ [key]: expression });
    expect(mapped.unmapped).toEqual([]);
    expect(mapped.thresholds).toEqual({ [metric]: [k6] });
  });

  it.each([
    ['campaign.welcome.lost', '== 0', /campaign figures/],
    ['http.errors', '< 10', /share/],
    ['http.timeouts', '== 0', /timeouts/],
    ['provider.rejected', '== 0', /no single provider/],
    ['dispatcher.rss.max', '< 256MB', /scraped/],
    ['http.latency.p95', 'fast', /form/],
  ])('%s: "%s" has no k6 equivalent and is listed', (key, expression, reason) => {
    const mapped = toK6Thresholds({ [key]: expression });
    expect(mapped.thresholds).toEqual({});
    expect(mapped.unmapped).toEqual([{ key, expression, reason: expect.stringMatching(reason) }]);
  });
});

describe('floodgate export k6', () => {
  it('exports every shipped scenario; every script type-checks against @types/k6', { timeout: 60_000 }, async () => {
    for (const file of scenarios) {
      const r = await cli(['export', 'k6', `scenarios/${file}`, '--out', out, '--parallelism', '3']);
      expect(r, file).toMatchObject({ code: 0, err: '' });
    }
    const scripts = readdirSync(out).filter((f) => f.endsWith('.k6.js'));
    expect(scripts).toHaveLength(scenarios.length);
    expect(typecheckK6Scripts(scripts.map((f) => join(out, f)))).toEqual({ ok: true, diagnostics: [] });
  });

  it("story 3's script holds the ramp, the report request, the broker's limits as k6 thresholds, and the rest listed", () => {
    const script = readFileSync(join(out, 'alimtalk-420k.k6.js'), 'utf8');
    const options = JSON.parse(/export const options = (\{[\s\S]*?\n\});/.exec(script)?.[1] ?? '{}');
    expect(options.scenarios.step_1).toMatchObject({ executor: 'shared-iterations', vus: 1, iterations: 1 });
    expect(options.scenarios.step_2).toMatchObject({ executor: 'ramping-arrival-rate', startRate: 1, timeUnit: '1s', startTime: '1s' });
    expect(options.scenarios.step_2.stages.map((s: { target: number }) => s.target)).toEqual([100, 180, 180, 0]);
    expect(options.thresholds).toMatchObject({
      http_req_duration: ['p(95)<200'],
      http_req_failed: ['rate<0.01'],
      'floodgate_max_per_second{provider:alimtalk}': ['value<=200'],
      'floodgate_duplicates{provider:alimtalk}': ['count==0'],
    });
    expect(script).toMatch(/^\/\/ {3}campaign\.welcome\.lost: "== 0"/m);
    expect(script).toContain('"path": "/v1/reports/alimtalk"');
    expect(script).toContain("__ENV.BASE_URL || 'http://127.0.0.1:8080'");
    expect(script).toContain('exec.scenario.iterationInTest');
  });

  it("story 4's script says what it leaves out: the due times and the restart", () => {
    const script = readFileSync(join(out, 'spurt-1m-due.k6.js'), 'utf8');
    expect(script).toMatch(/^\/\/ {3}due-this-minute: its due times are not exported/m);
    expect(script).toMatch(/^\/\/ {3}restart-mid-drain: a dispatcher restart is not exported/m);
  });

  it('the campaign start is filled with the campaign (channel, template, generator)', () => {
    const script = readFileSync(join(out, 'fcm-100k.k6.js'), 'utf8');
    const steps = JSON.parse(/const STEPS = (\{[\s\S]*?\n\});/.exec(script)?.[1] ?? '{}');
    expect(steps.step_1.templates[0]).toMatchObject({
      method: 'POST',
      path: '/v1/campaigns',
      headers: { authorization: 'Bearer {{token}}' },
      body: { channel: 'push', provider: 'fcm', template: 'promotion', generator: { count: 100000, pattern: 'promotion-{n}' } },
    });
  });

  it('writes a k6-operator TestRun with the parallelism and the script ConfigMap', () => {
    const manifest = parse(readFileSync(join(out, 'floodgate-alimtalk-420k.testrun.yaml'), 'utf8'));
    expect(manifest).toMatchObject({
      apiVersion: 'k6.io/v1alpha1',
      kind: 'TestRun',
      metadata: { name: 'floodgate-alimtalk-420k' },
      spec: { parallelism: 3, script: { configMap: { name: 'floodgate-alimtalk-420k', file: 'alimtalk-420k.k6.js' } } },
    });
    expect(manifest.spec.runner.env).toContainEqual({ name: 'BASE_URL', value: expect.stringMatching(/^http/) });
  });

  it('has every pod write its own summary and samples to one shared volume, as `import k6 <dir>` merges them', () => {
    const manifest = parse(readFileSync(join(out, 'floodgate-alimtalk-420k.testrun.yaml'), 'utf8'));
    const { env, volumes, volumeMounts } = manifest.spec.runner;
    expect(env).toContainEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    // Kubernetes expands $(POD_NAME) (defined before) in env values and arguments: one file per pod.
    expect(env).toContainEqual({ name: 'SUMMARY_FILE', value: '/out/summary-$(POD_NAME).json' });
    expect(env.findIndex((e: { name: string }) => e.name === 'POD_NAME')).toBeLessThan(
      env.findIndex((e: { name: string }) => e.name === 'SUMMARY_FILE'),
    );
    expect(manifest.spec.arguments).toBe('--out csv=/out/samples-$(POD_NAME).csv.gz');
    // handleSummary() writes the summary; --summary-export as well would give each pod two.
    expect(manifest.spec.arguments).not.toMatch(/summary-export/);
    expect(volumeMounts).toEqual([{ name: 'out', mountPath: '/out' }]);
    expect(volumes).toEqual([{ name: 'out', persistentVolumeClaim: { claimName: 'floodgate-alimtalk-420k-out' } }]);
    // The script's handleSummary() honours SUMMARY_FILE.
    expect(readFileSync(join(out, 'alimtalk-420k.k6.js'), 'utf8')).toContain('__ENV.SUMMARY_FILE');
  });

  it.each([
    [['export', 'k6'], /exactly one scenario/],
    [['export', 'jmeter', 'scenarios/quickstart.yaml'], /only k6/],
    [['export', 'k6', 'scenarios/quickstart.yaml', '--parallelism', '0'], /parallelism/],
    [['export', 'k6', 'scenarios/missing.yaml'], /missing\.yaml/],
  ])('bad input %j: exit 4 with a reason', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(message);
  });
});
