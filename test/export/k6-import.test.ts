import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, FloodgateError, Result } from '../../src/core/index.ts';
import { importK6Summary, K6_CO_NOTE, parseK6Summary } from '../../src/export/index.ts';
import { buildThresholds, buildVerdict, evaluateThresholds } from '../../src/gate/index.ts';
import { cli } from '../helpers/cli.ts';
import { makeResult } from '../helpers/result-fixture.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/k6');
const ENDED = new Date('2026-11-23T07:10:00.000Z');

async function load(name: string): Promise<Result> {
  const file = join(FIXTURES, name);
  const text = await readFile(file, 'utf8');
  return Result.parse(importK6Summary(text, { file, toolVersion: '0.1.0', endedAt: ENDED }));
}

describe('importK6Summary: handleSummary(data) JSON', () => {
  it('maps counters, trends, floodgate custom metrics and k6 thresholds into a valid result', async () => {
    const r = await load('handle-summary.json');
    expect(r.meta.target).toEqual({ kind: 'k6', url: null });
    expect(r.meta.scenario.name).toBe('handle-summary');
    expect(r.meta.duration).toBeCloseTo(60012.438517, 6);
    expect(r.meta.startedAt).toBe('2026-11-23T07:08:59.987Z');
    expect(r.http).toMatchObject({ requests: 11250, completed: 11247, dropped: 27, timeouts: 0, errors: { http_failed: 3 } });
    expect(r.http.latencyRaw).toEqual({
      count: 11250,
      min: 3.912046,
      mean: 41.2871,
      p50: 34.118822,
      p90: 78.33122,
      p95: 103.5548,
      p99: 188.90112,
      p999: null,
      max: 612.40277,
    });
    expect(r.http.latencyCorrected).toEqual(r.http.latencyRaw);
    expect(r.http.latencyRaw.hdr).toBeUndefined();
    expect(r.validity.verdict).toBe('DEGRADED');
    expect(r.validity.reasons).toContain(K6_CO_NOTE);
    expect(r.validity.reasons.join('\n')).toMatch(/dropped 27 iterations/);
    expect(r.providers.alimtalk).toMatchObject({
      kind: 'alimtalk',
      admitted: 11247,
      duplicates: 2,
      maxPerSecondWindow: 200,
      maxPerMinuteWindow: 11247,
    });
    expect(Object.keys(r.providers)).toEqual(['alimtalk']);
    expect(r.campaigns).toHaveLength(1);
    expect(r.campaigns[0]).toMatchObject({ name: 'welcome', lost: 0, delivered: 11247, drainTime: 58110 });
    const failed = r.thresholds.filter((t) => !t.ok);
    expect(failed.map((t) => [t.metric, t.expression, t.actual])).toEqual([['k6.http_req_duration', 'p(99)<150', 188.90112]]);
    expect(r.verdict).toMatchObject({ status: 'fail', exitCode: ExitCode.ThresholdsFailed });
    const gauge = r.thresholds.find((t) => t.metric === 'k6.floodgate_max_per_second{provider:alimtalk}');
    expect(gauge).toMatchObject({ expression: 'value>=0', actual: 200, ok: true });
  });
});

describe('importK6Summary: --summary-export JSON', () => {
  it('reads figures on the metric, the inverted threshold booleans, `value` as the rate, and derives the duration', async () => {
    const r = await load('summary-export.json');
    expect(r.validity.reasons).toContain('imported from k6 --summary-export');
    // 9000 requests at 299.97/s: k6 divides the count by the test duration.
    expect(r.meta.duration).toBe(Math.round((9000 / 299.97) * 1000));
    expect(r.http).toMatchObject({ requests: 9000, completed: 8994, dropped: 0, errors: { http_failed: 6 } });
    expect(r.http.latencyRaw).toMatchObject({ count: 9000, p50: 44.806, p95: 131.872, p99: null });
    expect(r.providers).toEqual({});
    expect(r.campaigns).toEqual([]);
    const byExpr = Object.fromEntries(r.thresholds.map((t) => [`${t.metric} ${t.expression}`, [t.ok, t.actual]]));
    // In the legacy export `true` means the threshold failed (grafana/k6#1498).
    expect(byExpr).toEqual({
      'k6.http_req_duration p(95)<200': [true, 131.872],
      'k6.http_req_duration avg<50': [false, 52.71],
      'k6.http_req_failed rate<0.01': [true, 0.0006666666666666666],
    });
    expect(r.verdict.status).toBe('fail');
  });
});

describe('importK6Summary: what a summary lacks is said, not invented', () => {
  it('a summary without http_req_failed or a counter records unknown failures and duration as reasons', () => {
    const text = JSON.stringify({
      root_group: {},
      metrics: { http_req_duration: { avg: 10, min: 1, med: 9, max: 40, 'p(90)': 20, 'p(95)': 25 }, vus: { value: 1, min: 1, max: 1 } },
    });
    const r = Result.parse(importK6Summary(text, { file: 'old.json', toolVersion: '0.1.0', endedAt: ENDED }));
    expect(r.validity.reasons.join('\n')).toMatch(/no duration/);
    expect(r.meta.duration).toBe(0);
    // No http_reqs either: nothing to gate, so the run is INVALID rather than a silent pass.
    expect(r.validity.verdict).toBe('INVALID');
    expect(r.verdict).toMatchObject({ status: 'invalid', exitCode: ExitCode.RunInvalid });
  });

  it('names missing failure counts when requests were made', () => {
    const text = JSON.stringify({ root_group: {}, metrics: { http_reqs: { count: 10, rate: 1 } } });
    const r = importK6Summary(text, { file: 'old.json', toolVersion: '0.1.0', endedAt: ENDED });
    expect(r.validity.reasons.join('\n')).toMatch(/no http_req_failed metric/);
    expect(r.meta.duration).toBe(10_000);
    expect(r.http.latencyRaw.count).toBe(0);
  });
});

describe('an imported k6 result is gated like a floodgate run', () => {
  const spec = {
    'http.latency.p95': '< 200ms',
    'http.latency.p99': '< 250ms',
    'http.errors': 'rate < 1%',
    'http.dropped': '== 0',
    'provider.alimtalk.duplicates': '== 0',
    'campaign.lost': '== 0',
  };
  it.each([
    ['handle-summary.json', [true, true, true, false, false, true]],
    // No p(99) in the export's trend stats and no floodgate metrics: those have no value and fail.
    ['summary-export.json', [true, false, true, true, false, false]],
  ])('%s', async (fixture, expected) => {
    const { thresholds, issues } = buildThresholds(spec);
    expect(issues).toEqual([]);
    const outcomes = evaluateThresholds(thresholds, await load(fixture));
    expect(outcomes.map((o) => o.ok)).toEqual(expected);
  });
});

describe('one verdict: the gate stamps an imported result, as it stamps a run', () => {
  it.each(['handle-summary.json', 'summary-export.json'])('%s carries exactly what `floodgate gate` decides on it', async (fixture) => {
    const result = await load(fixture);
    const v = buildVerdict(result);
    expect(result.verdict).toEqual({ status: v.status === 'regression' ? 'fail' : v.status, exitCode: v.exitCode, reasons: v.reasons });
    expect(result.verdict.reasons).not.toContain('not judged yet');
  });
});

describe('refusing what is not a k6 summary', () => {
  it.each([
    ['a JSON array', '[]', /top level is not a JSON object/],
    ['an empty object', '{}', /no `metrics` object/],
    ['metrics without root_group', '{"metrics":{}}', /no `root_group`/],
    ['a floodgate result', JSON.stringify(makeResult()), /already a floodgate result/],
    ['k6 --out json', '{"type":"Metric","data":{"type":"counter"},"metric":"http_reqs"}\n{"type":"Point"}', /k6 run --out json/],
    ['not JSON', 'checks...: 100.00%', /not valid JSON/],
    [
      'a handleSummary metric without values',
      '{"root_group":{},"options":{},"state":{"testRunDurationMs":1},"metrics":{"x":{"type":"trend"}}}',
      /not a k6 end-of-test summary/,
    ],
    [
      'a summary-export figure that is not a number',
      '{"root_group":{},"metrics":{"http_reqs":{"count":"9"}}}',
      /metrics\.http_reqs\.count is not a number/,
    ],
  ])('%s', (_name, text, message) => {
    let caught: unknown;
    try {
      parseK6Summary(text, 'summary.json');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FloodgateError);
    expect((caught as FloodgateError).exitCode).toBe(ExitCode.BadInput);
    expect((caught as FloodgateError).message).toMatch(/^summary\.json: /);
    expect((caught as FloodgateError).message).toMatch(message);
  });
});

describe('floodgate import k6', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('writes a result.json that validates, and names the scenario', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fg-k6-'));
    const { code, out, err } = await cli([
      'import',
      'k6',
      join(FIXTURES, 'summary-export.json'),
      '--out',
      dir,
      '--scenario',
      'alimtalk-420k',
    ]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(join(dir, 'result.json'));
    expect(out).toMatch(/9000 requests, 6 failed, 0 dropped/);
    const result = Result.parse(JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')));
    expect(result.meta.scenario.name).toBe('alimtalk-420k');
  });

  it.each([
    [['import', 'k6', join(FIXTURES, 'out-json.ndjson')], /k6 run --out json/],
    [['import', 'k6', join(FIXTURES, 'missing.json')], /cannot be read \(ENOENT\)/],
    [['import', 'jmeter', 'x.jtl'], /only `k6` is supported/],
    [['import', 'k6'], /one or more summary files or directories/],
  ])('%j exits 4 with a clear message', async (argv, message) => {
    const { code, err } = await cli(argv);
    expect(code).toBe(ExitCode.BadInput);
    expect(err).toMatch(message);
    expect(err).not.toMatch(/\n\s+at /);
  });
});
