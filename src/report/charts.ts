import type { TopLevelSpec } from 'vega-lite';
import type { Result } from '../core/index.ts';
import type { Comparison } from '../gate/index.ts';
import { ruleLayer, THRESHOLD_COLOR, thresholdBounds } from './chart-rules.ts';
import { downsample, type Reducer } from './downsample.ts';
import { withFaultRules } from './fault-rules.ts';
import { buildLatenessCharts } from './lateness-chart.ts';
import { buildSearchCharts } from './search-chart.ts';

/** A chart to render: a vega-lite spec with its data inline, and a caption saying how to read it. */
export interface ChartSpec {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

const WIDTH = 900;
const MIB = 1024 * 1024;
const BYTES_SERIES = /rss|heap|memory|bytes/i;
const METRIC_ROOTS = ['http', 'provider', 'campaign', 'sweep', 'generator'] as const;
const HEIGHT = 220;
const CONFIG = {
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { orient: 'top' as const, labelLimit: 400 },
};

interface Row {
  t: number;
  series: string;
  value: number;
}

/** Long-format rows for one series, downsampled; t converted to seconds. */
function rows(series: string, points: readonly (readonly [number, number])[], reducer: Reducer): { rows: Row[]; bucket: number } {
  const d = downsample(points, reducer);
  return { rows: d.points.map(([t, value]) => ({ t: t / 1000, series, value })), bucket: d.bucket };
}

function bucketNote(bucket: number, what: string): string {
  return bucket > 1 ? ` Each point is ${what} of ${bucket} seconds.` : '';
}

function lineSpec(
  values: Row[],
  yTitle: string,
  extra: Partial<Record<'layer', unknown[]>> = {},
  colors?: Record<string, string>,
): TopLevelSpec {
  const line = {
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'seconds since start' },
      y: { field: 'value', type: 'quantitative', title: yTitle },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        ...(colors ? { scale: { domain: Object.keys(colors), range: Object.values(colors) } } : {}),
      },
    },
  };
  return {
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values },
    layer: [line, ...(extra.layer ?? [])],
  } as TopLevelSpec;
}

/** How the rate chart tells its three lines apart even where they coincide: colour, dash and width. */
// Drawn in this order: the wide light-blue `sent` underneath, the grey dashes of `intended` and
// the thin dotted green `completed` over it, so all three show where they coincide.
const RATE_STYLE = {
  sent: { color: '#54aeff', dash: [1, 0], width: 5 },
  intended: { color: '#57606a', dash: [7, 4], width: 2 },
  completed: { color: '#1a7f37', dash: [2, 2], width: 1.6 },
} as const;

/** Intended vs sent vs completed requests per second, with any rate threshold on HTTP. */
export function buildRateChart(result: Result): ChartSpec | null {
  if (result.timeline.length === 0) return null;
  const names = Object.keys(RATE_STYLE) as (keyof typeof RATE_STYLE)[];
  const series = names.map((k) =>
    rows(
      k,
      result.timeline.map((s) => [s.t, s[k]] as const),
      'mean',
    ),
  );
  const bucket = series[0]?.bucket ?? 1;
  const styles = names.map((n) => RATE_STYLE[n]);
  const rules = thresholdBounds(result.thresholds, (t) => t.metric.startsWith('http.'), ['rate']);
  const encoding = {
    x: { field: 't', type: 'quantitative', title: 'seconds since start' },
    y: { field: 'value', type: 'quantitative', title: 'requests / s' },
    color: { field: 'series', type: 'nominal', title: null, scale: { domain: names, range: styles.map((x) => x.color) } },
    strokeDash: { field: 'series', type: 'nominal', title: null, scale: { domain: names, range: styles.map((x) => x.dash) } },
  };
  // One layer per line width (a strokeWidth encoding would drop the merged colour/dash legend).
  const lines = names.map((n) => ({
    transform: [{ filter: { field: 'series', equal: n } }],
    mark: { type: 'line', strokeWidth: RATE_STYLE[n].width },
    encoding,
  }));
  return {
    id: 'rate',
    title: 'Intended vs achieved rate',
    caption: `Requests per second the schedule intended (grey, dashed), the generator sent (wide light blue) and the target completed (thin green, dotted): where they coincide, the lines lie on top of each other.${rules.length > 0 ? ' Threshold bounds are dotted magenta.' : ''}${bucketNote(bucket, 'the mean')}`,
    spec: {
      width: WIDTH,
      height: HEIGHT,
      config: CONFIG,
      data: { values: series.flatMap((s) => s.rows) },
      layer: [...lines, ...ruleLayer(rules, 'y', WIDTH)],
    } as TopLevelSpec,
  };
}

/** p50/p95/p99 per second, corrected (solid) and raw (dashed). */
export function buildLatencyChart(result: Result): ChartSpec | null {
  const seconds = result.timeline.filter((s) => s.latencyCorrected.count > 0);
  if (seconds.length === 0) return null;
  const values: (Row & { kind: string })[] = [];
  let bucket = 1;
  for (const kind of ['corrected', 'raw'] as const) {
    for (const p of ['p50', 'p95', 'p99'] as const) {
      const points = seconds
        .map((s) => [s.t, (kind === 'corrected' ? s.latencyCorrected : s.latencyRaw)[p]] as const)
        .filter((x): x is readonly [number, number] => x[1] !== null);
      const r = rows(p, points, 'max');
      bucket = r.bucket;
      for (const row of r.rows) values.push({ ...row, kind });
    }
  }
  const rules = thresholdBounds(result.thresholds, (t) => t.metric.startsWith('http.latency'), ['duration', 'number']);
  const line = {
    mark: { type: 'line', strokeWidth: 1.2 },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'seconds since start' },
      y: { field: 'value', type: 'quantitative', title: 'latency (ms)' },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: ['p50', 'p95', 'p99'], range: ['#1a7f37', '#0969da', '#cf222e'] },
      },
      strokeDash: {
        field: 'kind',
        type: 'nominal',
        title: null,
        scale: {
          domain: ['corrected', 'raw'],
          range: [
            [1, 0],
            [4, 3],
          ],
        },
      },
      detail: { field: 'kind' },
    },
  };
  const spec = {
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values },
    layer: [line, ...ruleLayer(rules, 'y', WIDTH)],
  } as TopLevelSpec;
  return {
    id: 'latency',
    title: 'Latency percentiles over time',
    caption: `Corrected latency counts from the intended send time (coordinated omission corrected); raw from the actual send. A gap between them means the generator or target stalled.${rules.length > 0 ? ' Latency thresholds are dotted magenta lines.' : ''}${bucketNote(bucket, 'the worst')}`,
    spec,
  };
}

/** Admitted and rejected units per second at one provider, with its limit. */
export function buildProviderCharts(result: Result): ChartSpec[] {
  const out: ChartSpec[] = [];
  for (const [name, p] of Object.entries(result.providers)) {
    if (p.perSecond.length === 0) continue;
    const admitted = rows(
      'admitted',
      p.perSecond.map((s) => [s.t, s.admitted] as const),
      'max',
    );
    const rejected = rows(
      'rejected',
      p.perSecond.map((s) => [s.t, s.rejected] as const),
      'max',
    );
    const layer: unknown[] = [];
    if (p.limitPerSecond !== null) {
      layer.push({
        data: { values: [{ limit: p.limitPerSecond }] },
        mark: { type: 'rule', color: '#cf222e', strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { y: { field: 'limit', type: 'quantitative' } },
      });
    }
    const rules = thresholdBounds(
      result.thresholds,
      (t) => t.metric === `provider.${name}.maxPerSecondWindow` || t.metric === 'provider.maxPerSecondWindow',
      ['number', 'rate'],
    );
    layer.push(...ruleLayer(rules, 'y', WIDTH));
    out.push({
      id: `provider-${name}`,
      title: `Provider ${name}: ${p.unit} admitted per second`,
      caption: `Per aligned second; the dashed red line is the limit${p.limitPerSecond === null ? ' (none configured)' : ` (${p.limitPerSecond}/s)`}.${bucketNote(admitted.bucket, 'the busiest')}`,
      spec: lineSpec([...admitted.rows, ...rejected.rows], `${p.unit} / s`, { layer }, { admitted: '#0969da', rejected: '#cf222e' }),
    });
  }
  return out;
}

/** Sliding 1 s and 60 s maxima (the latter per second) against each provider's limit. */
export function buildWindowChart(result: Result): ChartSpec | null {
  const values: { provider: string; window: string; value: number; limit: number | null }[] = [];
  for (const [name, p] of Object.entries(result.providers)) {
    values.push({ provider: name, window: 'max in a sliding 1 s', value: p.maxPerSecondWindow, limit: p.limitPerSecond });
    values.push({ provider: name, window: 'max in a sliding 60 s / 60', value: p.maxPerMinuteWindow / 60, limit: p.limitPerSecond });
  }
  if (values.length === 0) return null;
  const width = Math.min(WIDTH, 160 * values.length);
  const offset = { field: 'window', type: 'nominal' };
  const spec = {
    width,
    height: HEIGHT,
    config: CONFIG,
    data: { values },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'provider', type: 'nominal', title: null, axis: { labelAngle: 0 } },
          xOffset: offset,
          y: { field: 'value', type: 'quantitative', title: 'units per second' },
          color: { field: 'window', type: 'nominal', title: null, scale: { range: ['#0969da', '#54aeff'] } },
        },
      },
      {
        // The same x offset as the bars, so each bar has the limit drawn across it, not between two.
        transform: [{ filter: 'datum.limit != null' }],
        mark: { type: 'tick', color: '#cf222e', thickness: 3, size: Math.round((width / values.length) * 0.6) },
        encoding: { x: { field: 'provider', type: 'nominal' }, xOffset: offset, y: { field: 'limit', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
  return {
    id: 'windows',
    title: 'Sliding-window maxima vs limit',
    caption:
      'The most units admitted in any sliding second (and minute, per second); the red tick across each bar is the limit. A bar above it means the dispatcher exceeded the limit, even if no aligned second did.',
    spec,
  };
}

/**
 * How many recipients got 0, 1, 2, ... deliveries, on a linear axis: the bars add up to the
 * recipients the provider was asked to reach (the mock counts per recipient, whatever the content
 * or client key), and a duplicate shows as a red bar whose height is the count of recipients hit.
 */
export function buildDeliveriesChart(result: Result): ChartSpec | null {
  const values: { provider: string; deliveries: number; recipients: number }[] = [];
  for (const [name, p] of Object.entries(result.providers)) {
    for (const [k, n] of Object.entries(p.deliveriesPerRecipient))
      if (n > 0) values.push({ provider: name, deliveries: Number(k), recipients: n });
  }
  if (values.length === 0) return null;
  const total = values.reduce((a, v) => a + v.recipients, 0);
  const spec = {
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'deliveries', type: 'ordinal', title: 'deliveries per recipient', axis: { labelAngle: 0 } },
          xOffset: { field: 'provider', type: 'nominal' },
          y: { field: 'recipients', type: 'quantitative', title: 'recipients' },
          color: { condition: { test: 'datum.deliveries != 1', value: '#cf222e' }, value: '#1a7f37' },
          tooltip: [{ field: 'provider' }, { field: 'deliveries' }, { field: 'recipients' }],
        },
      },
      {
        // The count on every bar: a single duplicate is a bar one pixel high, the label says so.
        mark: { type: 'text', baseline: 'bottom', dy: -3, fontSize: 12, fontWeight: 'bold' },
        encoding: {
          color: { condition: { test: 'datum.deliveries != 1', value: '#cf222e' }, value: '#1f2328' },
          x: { field: 'deliveries', type: 'ordinal' },
          xOffset: { field: 'provider', type: 'nominal' },
          y: { field: 'recipients', type: 'quantitative' },
          text: { field: 'recipients', type: 'quantitative', format: ',' },
        },
      },
    ],
  } as TopLevelSpec;
  return {
    id: 'deliveries',
    title: 'Deliveries per recipient',
    caption: `${total.toLocaleString('en-US')} recipients, each counted once whatever it was sent; every recipient should get exactly one delivery. Red bars are recipients with none (lost) or more than one (duplicates).`,
    spec,
  };
}

/** Delivered (completion curve) and backlog over time per campaign, with its deadline. */
export function buildCampaignCharts(result: Result): ChartSpec[] {
  const out: ChartSpec[] = [];
  for (const c of result.campaigns) {
    if (c.curve.length === 0 && c.backlog.length === 0) continue;
    const delivered = rows('delivered', c.curve, 'last');
    const backlog = rows('backlog', c.backlog, 'max');
    const layer: unknown[] = [];
    if (c.deadline !== null) {
      layer.push({
        // A scheduled campaign's deadline runs from its last due time.
        data: { values: [{ deadline: (c.deadline + (c.lateness?.lastDue ?? 0)) / 1000 }] },
        mark: { type: 'rule', color: '#cf222e', strokeDash: [6, 4] },
        encoding: { x: { field: 'deadline', type: 'quantitative' } },
      });
    }
    const drainRules = thresholdBounds(
      result.thresholds,
      (t) => t.metric === `campaign.${c.name}.drainTime` || t.metric === 'campaign.drainTime',
      ['duration', 'number'],
      (ms) => ms / 1000,
    );
    layer.push(...ruleLayer(drainRules, 'x', WIDTH));
    out.push({
      id: `campaign-${c.name}`,
      title: `Campaign ${c.name}: completion and backlog`,
      caption: `Recipients delivered so far and accepted but not yet delivered${c.deadline === null ? '' : '; the dashed red line is the deadline'}.${bucketNote(delivered.bucket, 'the last value')}`,
      spec: lineSpec([...delivered.rows, ...backlog.rows], 'recipients', { layer }, { delivered: '#1a7f37', backlog: '#9a6700' }),
    });
  }
  return out;
}

/** Scraped series (memory, pools, queues), one small panel each with its own scale and its thresholds. */
export function buildSeriesChart(result: Result): ChartSpec | null {
  const values: (Row & { rule?: number; label?: string })[] = [];
  let bucket = 1;
  let ruled = 0;
  for (const s of result.series) {
    if (s.points.length === 0) continue;
    const labels = Object.entries(s.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const isBytes = BYTES_SERIES.test(s.name);
    const name = `${s.name}${labels ? `{${labels}}` : ''} (${isBytes ? 'MiB' : seriesUnit(s.name)})`;
    const r = rows(name, isBytes ? s.points.map(([t, v]) => [t, v / MIB] as const) : s.points, 'max');
    bucket = Math.max(bucket, r.bucket);
    values.push(...r.rows);
    // A threshold on this series (`dispatcher.rss.max: < 256MB`) is a rule in its own panel.
    const bounds = thresholdBounds(
      result.thresholds,
      (t) => seriesOf(t.metric) === s.name,
      isBytes ? ['size', 'number'] : ['number', 'duration', 'rate', 'fraction'],
      isBytes ? (b) => b / MIB : undefined,
    );
    for (const b of bounds) values.push({ t: 0, series: name, value: b.value, rule: b.value, label: b.label });
    ruled += bounds.length;
  }
  if (values.length === 0) return null;
  const x = { field: 't', type: 'quantitative', title: 'seconds since start' };
  const spec = {
    config: CONFIG,
    data: { values },
    facet: { row: { field: 'series', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left', labelOrient: 'top' } } },
    spec: {
      width: WIDTH,
      height: 90,
      layer: [
        {
          transform: [{ filter: 'datum.rule == null' }],
          mark: { type: 'line', strokeWidth: 1.2, color: '#6639ba' },
          encoding: { x, y: { field: 'value', type: 'quantitative', title: null } },
        },
        {
          transform: [{ filter: 'datum.rule != null' }],
          mark: { type: 'rule', color: THRESHOLD_COLOR, strokeDash: [2, 3], strokeWidth: 2 },
          encoding: { y: { field: 'rule', type: 'quantitative' } },
        },
        {
          transform: [{ filter: 'datum.rule != null' }],
          mark: { type: 'text', color: THRESHOLD_COLOR, align: 'right', baseline: 'bottom', dy: -3, fontSize: 11 },
          encoding: { y: { field: 'rule', type: 'quantitative' }, x: { value: WIDTH - 4 }, text: { field: 'label' } },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
  return {
    id: 'series',
    title: 'Scraped series',
    caption: `Gauges scraped from the system under test and the generator.${ruled > 0 ? ' Thresholds on a series are dotted magenta lines in its panel.' : ''}${bucketNote(bucket, 'the maximum')}`,
    spec,
  };
}

/** The unit of a scraped series, from its name (gauges carry none in the result). */
function seriesUnit(name: string): string {
  if (/percent/i.test(name)) return '%';
  if (/delay|lag|latency|duration|_ms\b|ms$/i.test(name)) return 'ms';
  if (/utili[sz]ation|ratio|share/i.test(name)) return 'share of time, 0-1';
  if (/seconds/i.test(name)) return 's';
  return 'count';
}

/** The series a threshold key names (`dispatcher.rss.max` -> `dispatcher.rss`), or null for built-in metrics. */
function seriesOf(metric: string): string | null {
  const root = metric.split('.')[0] ?? '';
  if ((METRIC_ROOTS as readonly string[]).includes(root)) return null;
  return metric.replace(/\.(max|min|avg|mean|last)$/, '');
}

/**
 * Measured sweep points, the fitted USL curve X(N) = γN / (1 + α(N-1) + βN(N-1)) (Gunther,
 * "Guerrilla Capacity Planning", 2007, ch. 4) and the target throughput.
 */
export function buildUslCharts(result: Result): ChartSpec[] {
  const out: ChartSpec[] = [];
  for (const s of result.sweeps) {
    if (s.points.length === 0) continue;
    const maxN = Math.max(...s.points.map((p) => p.concurrency));
    const layer: unknown[] = [
      {
        data: { values: s.points.map((p) => ({ concurrency: p.concurrency, throughput: p.throughput })) },
        mark: { type: 'point', filled: true, size: 60, color: '#0969da' },
        encoding: {
          x: { field: 'concurrency', type: 'quantitative', title: 'concurrency (N)' },
          y: { field: 'throughput', type: 'quantitative', title: 'throughput (/s)' },
        },
      },
    ];
    const usl = s.usl;
    if (usl) {
      const curve = [];
      for (let i = 0; i <= 120; i++) {
        const n = 1 + ((maxN * 1.2 - 1) * i) / 120;
        curve.push({ concurrency: n, throughput: (usl.gamma * n) / (1 + usl.alpha * (n - 1) + usl.beta * n * (n - 1)) });
      }
      layer.unshift({
        data: { values: curve },
        mark: { type: 'line', color: '#8c959f' },
        encoding: { x: { field: 'concurrency', type: 'quantitative' }, y: { field: 'throughput', type: 'quantitative' } },
      });
    }
    if (s.targetTps !== null) {
      layer.push({
        data: { values: [{ target: s.targetTps }] },
        mark: { type: 'rule', color: '#cf222e', strokeDash: [6, 4] },
        encoding: { y: { field: 'target', type: 'quantitative' } },
      });
    }
    const fit = usl
      ? ` USL fit: α=${usl.alpha.toPrecision(3)}, β=${usl.beta.toPrecision(3)}, γ=${usl.gamma.toPrecision(4)}.`
      : ' No USL fit.';
    out.push({
      id: `usl-${s.name}`,
      title: `Sweep ${s.name}: throughput vs concurrency`,
      caption: `Measured points (blue), the fitted Universal Scalability Law (grey)${s.targetTps === null ? '' : `, and the target of ${s.targetTps}/s (dashed red)`}.${fit}`,
      spec: { width: WIDTH, height: HEIGHT, config: CONFIG, layer } as TopLevelSpec,
    });
  }
  return out;
}

/** Baseline overlay: empirical CDFs of the per-second p95 latency of both runs. */
export function buildBaselineChart(comparison: Comparison | null): ChartSpec | null {
  const l = comparison?.latency;
  if (!l) return null;
  const ecdf = (run: string, xs: readonly number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const step = Math.max(1, Math.ceil(sorted.length / 300));
    const out: { run: string; value: number; share: number }[] = [];
    for (let i = 0; i < sorted.length; i += step) out.push({ run, value: sorted[i] as number, share: (i + 1) / sorted.length });
    out.push({ run, value: sorted[sorted.length - 1] as number, share: 1 });
    return out;
  };
  const values = [...ecdf('baseline', l.values.baseline), ...ecdf('this run', l.values.candidate)];
  const spec = {
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'value', type: 'quantitative', title: 'per-second p95 latency (ms)' },
      y: { field: 'share', type: 'quantitative', title: 'share of seconds', axis: { format: '%' } },
      color: { field: 'run', type: 'nominal', title: null, scale: { domain: ['baseline', 'this run'], range: ['#8c959f', '#0969da'] } },
    },
  } as TopLevelSpec;
  return {
    id: 'baseline',
    title: 'Latency against the baseline',
    caption: 'Empirical CDF of the per-second p95 latency of both runs; a curve shifted right is slower.',
    spec,
  };
}

/** Every chart the result has data for, in report order. */
export function buildCharts(result: Result, comparison: Comparison | null = null): ChartSpec[] {
  const charts = [
    buildRateChart(result),
    buildLatencyChart(result),
    buildBaselineChart(comparison),
    ...buildProviderCharts(result),
    buildWindowChart(result),
    buildDeliveriesChart(result),
    ...buildCampaignCharts(result),
    ...buildLatenessCharts(result),
    buildSeriesChart(result),
    ...buildUslCharts(result),
    ...buildSearchCharts(result),
  ].filter((c): c is ChartSpec => c !== null);
  return withFaultRules(charts, result);
}
