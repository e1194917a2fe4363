import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/core/index.ts';
import { compareWithBaseline } from '../../src/gate/index.ts';
import { buildCharts, downsample, escapeXml, renderJson, renderJunit, renderMarkdown } from '../../src/report/index.ts';
import { makeResult } from '../helpers/result-fixture.ts';
import { buildSampleResult } from '../helpers/result-sample.ts';

function candidateAndComparison() {
  const candidate = buildSampleResult({ seconds: 20, seed: 'golden-c', latencyShiftMs: 40, duplicates: 4, samplesPerSecond: 20 });
  candidate.thresholds = [
    { metric: 'http.latency.p95', expression: '< 100ms', actual: 131.2, ok: false, message: 'http.latency.p95: < 100ms (actual 131.2ms)' },
    { metric: 'campaign.lost', expression: '== 0', actual: 0, ok: true, message: 'campaign.lost: == 0 (actual 0)' },
  ];
  const baseline = buildSampleResult({ seconds: 20, seed: 'golden-b', samplesPerSecond: 20 });
  return { candidate, comparison: compareWithBaseline(candidate, baseline, { label: 'baseline.json', resamples: 300 }) };
}

describe('golden files', () => {
  const { candidate, comparison } = candidateAndComparison();
  it('markdown', async () => {
    await expect(renderMarkdown(candidate, comparison)).toMatchFileSnapshot('../fixtures/report/summary.md');
  });
  it('markdown without a baseline, passing', async () => {
    await expect(renderMarkdown(makeResult())).toMatchFileSnapshot('../fixtures/report/summary-pass.md');
  });
  it('junit', async () => {
    await expect(renderJunit(candidate, comparison)).toMatchFileSnapshot('../fixtures/report/junit.xml');
  });
});

describe('renderJunit', () => {
  it('has a test case per threshold and per correctness check, failures carrying the message', () => {
    const { candidate } = candidateAndComparison();
    const xml = renderJunit(candidate);
    expect(xml.match(/<testcase /g)).toHaveLength(candidate.thresholds.length + 5);
    expect(xml).toContain('name="http.latency.p95: &lt; 100ms"');
    expect(xml).toContain('<failure message="http.latency.p95: &lt; 100ms (actual 131 ms)"');
    expect(xml).toMatch(/<testsuites name="floodgate alimtalk-420k" tests="7" failures="2"/);
  });

  it('escapes markup and drops characters XML cannot carry', () => {
    expect(escapeXml('a<b & "c" \'d\'\u0001>')).toBe('a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;');
    const result = makeResult({ validity: { verdict: 'INVALID', reasons: ['<script>&\u0007'] } });
    expect(renderJunit(result)).toContain('<failure message="run INVALID: &lt;script&gt;&amp;"');
  });
});

describe('renderJson', () => {
  it('carries the verdict and figures and leaves out the raw samples', () => {
    const { candidate, comparison } = candidateAndComparison();
    const json = JSON.parse(renderJson(candidate, comparison)) as {
      verdict: { exitCode: number };
      comparison: { latency: Record<string, unknown> };
    };
    expect(json.verdict.exitCode).toBe(1);
    expect(json.comparison.latency.values).toBeUndefined();
    expect(json.comparison.latency.ratio).toBeDefined();
  });
});

describe('charts', () => {
  it('builds every chart for a full result and skips what has no data', () => {
    const { candidate, comparison } = candidateAndComparison();
    expect(buildCharts(candidate, comparison).map((c) => c.id)).toEqual([
      'rate',
      'latency',
      'baseline',
      'provider-alimtalk',
      'windows',
      'deliveries',
      'campaign-welcome',
      'series',
      'usl-api',
    ]);
    const bare: Result = makeResult({ timeline: [], providers: {}, campaigns: [], series: [], sweeps: [] });
    expect(buildCharts(bare)).toEqual([]);
  });

  it('keeps a one-hour timeline to at most 600 points per series', () => {
    const hour = buildSampleResult({ seconds: 3600, samplesPerSecond: 3 });
    for (const chart of buildCharts(hour)) {
      const values = (chart.spec as { data?: { values?: { series?: string; kind?: string }[] } }).data?.values ?? [];
      const perSeries = new Map<string, number>();
      for (const v of values) {
        const line = `${v.series}/${v.kind}`;
        perSeries.set(line, (perSeries.get(line) ?? 0) + 1);
      }
      for (const n of perSeries.values()) expect(n).toBeLessThanOrEqual(600);
    }
  });
});

describe('downsample', () => {
  const points = [0, 1, 2, 3, 4, 5, 6].map((i) => [i * 1000, i === 4 ? 100 : i] as const);
  it.each([
    [
      'max',
      [
        [0, 2],
        [3000, 100],
        [6000, 6],
      ],
    ],
    [
      'mean',
      [
        [0, 1],
        [3000, (3 + 100 + 5) / 3],
        [6000, 6],
      ],
    ],
    [
      'last',
      [
        [0, 2],
        [3000, 5],
        [6000, 6],
      ],
    ],
  ] as const)('%s keeps what it promises', (reducer, expected) => {
    expect(downsample(points, reducer, 3)).toEqual({ points: expected, bucket: 3 });
  });
  it('leaves short series alone', () => {
    expect(downsample(points, 'max').bucket).toBe(1);
  });
});
