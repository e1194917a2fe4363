import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, Result } from '../../src/core/index.ts';
import {
  detectK6SampleFormat,
  importK6Run,
  type K6Metric,
  type K6Pod,
  type K6Summary,
  mergedThresholds,
  mergeK6Summaries,
  parseK6Summary,
  readK6Samples,
} from '../../src/export/index.ts';
import { buildVerdict } from '../../src/gate/index.ts';
import { createLatencyHistogram } from '../../src/stats/index.ts';
import { cli } from '../helpers/cli.ts';

// Real k6 outputs, verbatim (see test/fixtures/k6/real/README.md for where each comes from).
const REAL = join(import.meta.dirname, '../fixtures/k6/real');
const OLDER = join(import.meta.dirname, '../fixtures/k6');
const ENDED = new Date('2026-11-30T12:00:00.000Z');
/** Two runs of k6's own summary test (with and without setup data): two pods of one script. */
const POD_FILES = ['k6-handle-summary.json', 'k6-handle-summary-setup.json'];
/** Four real `--out json` / `--out csv` outputs of four runs, one http_req_duration each. */
const SAMPLE_FILES = ['docs-out.json', 'docs-out.csv', 'learn-out.csv', 'learn-out.json'];

async function read(dir: string, name: string) {
  const file = join(dir, name);
  return { file, text: await readFile(file, 'utf8') };
}

async function pods(names: readonly string[]): Promise<K6Pod[]> {
  return Promise.all(names.map(async (n) => read(REAL, n).then(({ file, text }) => ({ file, summary: parseK6Summary(text, file) }))));
}

describe('merging the pods of one k6 run: counts', () => {
  it("every merged counter and rate metric equals the sum of the pods' counts", async () => {
    const set = await pods(POD_FILES);
    const { summary } = mergeK6Summaries(set);
    let compared = 0;
    for (const [name, metric] of summary.metrics) {
      const each = set.map((p) => p.summary.metrics.get(name)?.values ?? {});
      if (metric.type === 'counter') {
        expect(metric.values.count, name).toBe(each.reduce((a, v) => a + (v.count ?? 0), 0));
        compared++;
      }
      if (metric.type === 'rate') {
        expect([metric.values.passes, metric.values.fails], name).toEqual([
          each.reduce((a, v) => a + (v.passes ?? 0), 0),
          each.reduce((a, v) => a + (v.fails ?? 0), 0),
        ]);
        compared++;
      }
    }
    expect(compared).toBe(2); // http_reqs and checks
    // k6's figures: 3 requests per pod over 1 s, checks 45 passes / 15 fails per pod.
    expect(summary.metrics.get('http_reqs')?.values).toEqual({ count: 6, rate: 6 });
    expect(summary.metrics.get('checks')?.values).toEqual({ passes: 90, fails: 30, rate: 0.75 });
    expect(summary.durationMs).toBe(1000);
  });

  it('the imported result carries the summed requests and is stamped by the gate, as `floodgate gate` would', async () => {
    const inputs = await Promise.all(POD_FILES.map((n) => read(REAL, n)));
    const result = Result.parse(importK6Run(inputs, { file: 'pods', toolVersion: '0.1.0', endedAt: ENDED }));
    expect(result.http.requests).toBe(6);
    expect(result.meta.duration).toBe(1000);
    expect(result.validity.reasons.join('\n')).toMatch(
      /merged 2 k6 pods .*counts summed; rates are the summed counts over the run's wall window/,
    );
    const v = buildVerdict(result);
    expect(result.verdict).toEqual({ status: v.status === 'regression' ? 'fail' : v.status, exitCode: v.exitCode, reasons: v.reasons });
    // k6's thresholds are judged again on the merged figures, not taken from either pod.
    const byExpr = Object.fromEntries(result.thresholds.map((t) => [`${t.metric} ${t.expression}`, [t.ok, t.actual]]));
    // The summed rate, 6/s, holds `rate<100` (the test data's pods are marked failed by a mocked flag).
    expect(byExpr['k6.http_reqs rate<100']).toEqual([true, 6]);
    expect(byExpr['k6.checks rate>70']).toEqual([false, 0.75]);
  });
});

describe('merging the pods of one k6 run: the percentile rule', () => {
  it('without sample outputs, percentiles are bounds (least..greatest of the pods), labelled so; min, max, count and avg are exact', async () => {
    const merged = mergeK6Summaries(await pods(POD_FILES));
    const trend = merged.summary.metrics.get('my_trend');
    // Each pod: 10, 15 and 20 ms.
    expect(trend?.values).toMatchObject({ min: 10, max: 20, count: 6, avg: 15 });
    expect(merged.bounds.get('my_trend')).toEqual({
      med: { low: 15, high: 15 },
      'p(90)': { low: 19, high: 19 },
      'p(95)': { low: 19.5, high: 19.5 },
      'p(99)': { low: 19.9, high: 19.9 },
    });
    // The summary keeps the upper bound: conservative for the `<` latency thresholds are.
    expect(trend?.values['p(95)']).toBe(19.5);
    const inputs = await Promise.all(POD_FILES.map((n) => read(REAL, n)));
    const result = importK6Run(inputs, { file: 'pods', toolVersion: '0.1.0', endedAt: ENDED });
    expect(result.validity.reasons.join('\n')).toMatch(/latency percentiles are BOUNDS, not exact/);
    expect(result.http.latencyRaw.hdr).toBeUndefined();
  });

  it('the bounds themselves: pods whose percentiles differ give least..greatest, and a threshold is decided only where both bounds agree', () => {
    // The real summaries above have equal trends on both pods, so this checks the arithmetic on
    // parsed summaries held in memory (never fed to the importer as a file k6 might have written).
    const pod = (file: string, p95: number, med: number, count: number, avg: number): K6Pod => {
      const summary: K6Summary = {
        format: 'handle-summary',
        durationMs: 10_000,
        metrics: new Map<string, K6Metric>([
          ['http_reqs', { type: 'counter', values: { count, rate: count / 10 }, thresholds: {} }],
          [
            'http_req_duration',
            {
              type: 'trend',
              values: { avg, min: 1, med, max: p95 * 2, 'p(95)': p95 },
              thresholds: { 'p(95)<100': p95 < 100, 'p(95)<500': true, 'p(95)<20': false, 'max<1000': true },
            },
          ],
        ]),
      };
      return { file, summary };
    };
    const set = [pod('a.json', 40, 10, 100, 12), pod('b.json', 220, 30, 300, 52)];
    const merged = mergeK6Summaries(set);
    expect(merged.bounds.get('http_req_duration')).toEqual({ 'p(95)': { low: 40, high: 220 }, med: { low: 10, high: 30 } });
    // avg weighted by each pod's request count: (12*100 + 52*300) / 400.
    expect(merged.summary.metrics.get('http_req_duration')?.values).toMatchObject({ count: 400, avg: 42, min: 1, max: 440 });
    const outcomes = Object.fromEntries(mergedThresholds(set, merged).map((t) => [t.expression, [t.ok, t.actual]]));
    expect(outcomes).toEqual({
      'p(95)<100': [false, null], // 40 holds, 220 does not: undecided, counted as failed
      'p(95)<500': [true, 220],
      'p(95)<20': [false, 220],
      'max<1000': [true, 440], // max merges exactly
    });
    // With every pod's samples the same threshold is decided exactly.
    const exact = createLatencyHistogram();
    for (let i = 0; i < 400; i++) exact.record(i < 390 ? 50 : 300);
    const judged = mergedThresholds(set, merged, exact).find((t) => t.expression === 'p(95)<100');
    expect(judged?.ok).toBe(true);
    expect(judged?.actual).toBeCloseTo(50, 0);
  });

  it("with every pod's sample output, http_req_duration samples merge into one histogram: exact percentiles", async () => {
    const histogram = createLatencyHistogram();
    const values = [459.865729, 221.899, 114.365, 118.96];
    for (const name of SAMPLE_FILES) {
      const { file, text } = await read(REAL, name);
      const format = detectK6SampleFormat(text);
      expect(format, name).toBe(name.endsWith('.csv') ? 'csv' : 'json');
      // Only http_req_duration Points count (docs-out.json also holds a `vus` Point, the CSVs other metrics).
      expect(readK6Samples(text, file, format ?? 'json', histogram).count, name).toBe(1);
    }
    expect(histogram.count).toBe(values.length);
    const sorted = [...values].sort((a, b) => a - b);
    // Nearest rank of the four values, within the histogram's 0.1%.
    expect(histogram.percentile(50)).toBeCloseTo(sorted[1] as number, 0);
    expect(histogram.percentile(95)).toBeCloseTo(sorted[3] as number, 0);
    expect(Math.abs((histogram.percentile(100) ?? 0) - 459.865729) / 459.865729).toBeLessThan(0.001);
  });

  it('a damaged sample output is refused naming the file and line', async () => {
    const { text } = await read(REAL, 'docs-out.json');
    // The http_req_duration Point (line 4) without its closing brace.
    const cut = text.trimEnd().slice(0, -1);
    expect(() => readK6Samples(cut, 'samples-pod-1.json', 'json', createLatencyHistogram())).toThrow(
      /^samples-pod-1\.json:4: not a JSON object/,
    );
    const csv = (await read(REAL, 'docs-out.csv')).text.split('\n').slice(1).join('\n');
    expect(() => readK6Samples(csv, 'samples-pod-2.csv', 'csv', createLatencyHistogram())).toThrow(
      /^samples-pod-2\.csv:1: the header does not start with metric_name,timestamp,metric_value/,
    );
  });

  it('an import with sample outputs records exact percentiles and the mergeable histogram', async () => {
    // The mechanism end to end: k6's real --summary-export (3 requests) with three real sample
    // outputs. The files are k6's; pairing them into one run is this test's, as no public k6
    // example ships a summary together with its own sample output.
    const inputs = await Promise.all([read(REAL, 'k6-summary-export.json'), ...SAMPLE_FILES.slice(0, 3).map((n) => read(REAL, n))]);
    const result = Result.parse(importK6Run(inputs, { file: 'pod', toolVersion: '0.1.0', endedAt: ENDED }));
    expect(result.http.latencyRaw.count).toBe(3);
    expect(result.http.latencyRaw.p50).toBeCloseTo(221.899, 0);
    expect(result.http.latencyRaw.hdr).toEqual(expect.any(String));
    expect(result.validity.reasons.join('\n')).toMatch(
      /latency percentiles are exact: 3 http_req_duration samples from 3 k6 sample output/,
    );
  });
});

describe('floodgate import k6 over several files or a directory', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('a directory of pod summaries (as on a shared volume) imports as one merged result', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fg-k6-pods-'));
    const pods = join(dir, 'pods');
    await mkdir(pods);
    await copyFile(join(REAL, POD_FILES[0] as string), join(pods, 'summary-pod-0.json'));
    await copyFile(join(REAL, POD_FILES[1] as string), join(pods, 'summary-pod-1.json'));
    const out = join(dir, 'out');
    const { code, out: stdout, err } = await cli(['import', 'k6', pods, '--out', out, '--scenario', 'two-pods']);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/imported 2 files: 6 requests, 0 failed/);
    expect(stdout).toMatch(/merged 2 k6 pods/);
    expect(stdout).toMatch(/latency percentiles are BOUNDS/);
    const result = Result.parse(JSON.parse(await readFile(join(out, 'result.json'), 'utf8')));
    expect(result.http.requests).toBe(6);
    expect(result.meta.scenario.name).toBe('two-pods');
  });

  it('a directory with gzipped sample outputs (k6 --out csv=FILE.gz) gives exact percentiles', async () => {
    // As in the end-to-end test above: k6's real files, paired into one run by this test.
    dir = await mkdtemp(join(tmpdir(), 'fg-k6-gz-'));
    const pod = join(dir, 'out');
    await mkdir(pod);
    await copyFile(join(REAL, 'k6-summary-export.json'), join(pod, 'summary-pod-0.json'));
    for (const name of SAMPLE_FILES.slice(0, 3)) {
      const text = await readFile(join(REAL, name));
      await writeFile(join(pod, `samples-${name}.gz`), gzipSync(text));
    }
    await writeFile(join(pod, 'notes.txt'), 'not k6 output: ignored by extension');
    const { code, out: stdout, err } = await cli(['import', 'k6', pod, '--out', join(dir, 'result')]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/imported 4 files: 3 requests/);
    expect(stdout).toMatch(/latency percentiles are exact: 3 http_req_duration samples from 3 k6 sample output/);
    const result = Result.parse(JSON.parse(await readFile(join(dir, 'result', 'result.json'), 'utf8')));
    expect(result.http.latencyRaw.count).toBe(3);
    expect(result.http.latencyRaw.max).toBeCloseTo(459.865729, 0);
  });

  it.each([
    [
      'a missing file',
      async () => [join(REAL, 'k6-handle-summary.json'), join(REAL, 'nope.json')],
      /nope\.json: cannot be read \(ENOENT\)/,
    ],
    [
      'a JSON file that is not k6 output',
      async () => [join(REAL, 'k6-handle-summary.json'), join(OLDER, '../mann-whitney.json')],
      /mann-whitney\.json: not a k6 end-of-test summary/,
    ],
    [
      'pods of different scripts (other thresholds)',
      async () => [join(REAL, 'k6-handle-summary.json'), join(OLDER, 'handle-summary.json')],
      /fixtures\/k6\/handle-summary\.json: not a pod of the same k6 run as .*k6-handle-summary\.json: its thresholds differ \(has floodgate_admitted\{provider:alimtalk\}: count>=0; .*; \d+ more, lacks checks: rate>70; http_reqs: rate<100; my_trend: my_trend<1000 of/,
    ],
    [
      'pods written differently (--summary-export and handleSummary)',
      async () => [join(REAL, 'k6-handle-summary.json'), join(REAL, 'k6-summary-export.json')],
      /k6-summary-export\.json: not a pod of the same k6 run .*its summary format differs \(has summary-export, lacks handle-summary of .*k6-handle-summary\.json\)/,
    ],
    [
      'one file twice',
      async () => [join(REAL, 'k6-handle-summary.json'), join(REAL, 'k6-handle-summary.json')],
      /k6-handle-summary\.json: given twice/,
    ],
    [
      "sample outputs that are not every pod's",
      async () => [...POD_FILES.map((n) => join(REAL, n)), join(REAL, 'docs-out.json')],
      /docs-out\.json: 1 http_req_duration samples, but the summaries count 6 requests/,
    ],
    [
      'only sample outputs',
      async () => [join(REAL, 'docs-out.csv')],
      /no end-of-test summary among the inputs: .*docs-out\.csv is k6 sample output \(`k6 run --out json=...` or `--out csv=...`\)/,
    ],
  ])('%s exits 4 naming the file', async (_name, args, message) => {
    const { code, err } = await cli(['import', 'k6', ...(await args())]);
    expect(code).toBe(ExitCode.BadInput);
    expect(err).toMatch(message);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('an empty directory exits 4 naming it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fg-k6-empty-'));
    const { code, err } = await cli(['import', 'k6', dir]);
    expect(code).toBe(ExitCode.BadInput);
    expect(err).toContain(`${dir}: no k6 output in the directory`);
  });
});
