import type { TopLevelSpec } from 'vega-lite';
import { formatQuantity, type Result } from '../core/index.ts';
import { buildVerdict } from '../gate/index.ts';
import { ruleLayer, thresholdBounds } from './chart-rules.ts';
import { escapeHtml, type PageChart, renderFigure, renderHtmlPage } from './html-page.ts';
import { escapeCell } from './markdown.ts';
import { renderVegaLiteToSvg } from './vega-svg.ts';

/** One run's key figures, as the history shows them. */
export interface HistoryRow {
  run: number;
  startedAt: string;
  commit: string | null;
  /** The gate's verdict (pass, fail, invalid) and the run's validity. */
  status: string;
  validity: string;
  thresholds: { held: number; total: number };
  /** Busiest sliding second over the provider limit, per provider (1 = at the limit). */
  rateOverLimit: { provider: string; peak: number; limit: number | null }[];
  p95: number | null;
  /** The slowest campaign's drain time; Infinity when one never drained, null without campaigns. */
  drainTime: number | null;
  /** The highest memory series value (bytes), or null when none was scraped. */
  peakMemory: number | null;
}

const MEMORY = /rss|heap|memory|bytes/i;

/** Key figures of each run, oldest first (the caller sorts). */
export function buildHistoryRows(results: readonly Result[]): HistoryRow[] {
  return results.map((r, i) => {
    const drains = r.campaigns.map((c) => (c.drainTime === null ? Number.POSITIVE_INFINITY : c.drainTime));
    const memory = r.series.filter((s) => MEMORY.test(s.name)).flatMap((s) => s.points.map((p) => p[1]));
    return {
      run: i + 1,
      startedAt: r.meta.startedAt,
      commit: r.meta.gitCommit,
      status: buildVerdict(r).status,
      validity: r.validity.verdict,
      thresholds: { held: r.thresholds.filter((t) => t.ok).length, total: r.thresholds.length },
      rateOverLimit: Object.entries(r.providers).map(([provider, p]) => ({
        provider,
        peak: p.maxPerSecondWindow,
        limit: p.limitPerSecond,
      })),
      p95: r.http.latencyCorrected.p95,
      drainTime: drains.length === 0 ? null : Math.max(...drains),
      peakMemory: memory.length === 0 ? null : Math.max(...memory),
    };
  });
}

function rateText(row: HistoryRow): string {
  if (row.rateOverLimit.length === 0) return '-';
  return row.rateOverLimit
    .map((x) =>
      x.limit === null
        ? `${x.provider} ${formatQuantity(x.peak, 'rate')}`
        : `${x.provider} ${formatQuantity(x.peak, 'rate')} of ${formatQuantity(x.limit, 'rate')} (${formatQuantity(x.peak / x.limit, 'fraction')})`,
    )
    .join(', ');
}

function cells(row: HistoryRow): string[] {
  return [
    String(row.run),
    row.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    row.commit ? row.commit.slice(0, 10) : '-',
    `${row.status.toUpperCase()}${row.validity === 'VALID' || row.status === 'invalid' ? '' : ` (${row.validity})`}`,
    `${row.thresholds.held}/${row.thresholds.total}`,
    rateText(row),
    row.p95 === null ? '-' : formatQuantity(row.p95, 'duration'),
    row.drainTime === null ? '-' : formatQuantity(row.drainTime, 'duration'),
    row.peakMemory === null ? '-' : formatQuantity(row.peakMemory, 'size'),
  ];
}

const HEAD = [
  'run',
  'started (UTC)',
  'commit',
  'verdict',
  'thresholds held',
  'busiest second / limit',
  'p95 (corrected)',
  'drain time',
  'peak memory',
];

/** The history as a Markdown table, one row per run, oldest first. */
export function renderHistoryMarkdown(results: readonly Result[]): string {
  const rows = buildHistoryRows(results);
  const first = results[0];
  const name = first?.meta.scenario.name ?? '-';
  const counts = ['pass', 'fail', 'regression', 'invalid']
    .map((s) => [s, rows.filter((r) => r.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s.toUpperCase()}`)
    .join(', ');
  return [
    `### ${escapeCell(name)}: ${rows.length} runs over time`,
    '',
    `${rows[0]?.startedAt ?? ''} → ${rows[rows.length - 1]?.startedAt ?? ''}: ${counts}.`,
    '',
    `| ${HEAD.join(' | ')} |`,
    `|${HEAD.map(() => ' --- |').join('')}`,
    ...rows.map((r) => `| ${cells(r).map(escapeCell).join(' | ')} |`),
    '',
  ].join('\n');
}

const WIDTH = 900;
const HEIGHT = 180;
const VERDICT_COLORS = {
  domain: ['pass', 'pass (degraded)', 'fail', 'regression', 'invalid'],
  range: ['#1a7f37', '#d4a72c', '#cf222e', '#bc4c00', '#57606a'],
};

/** The verdict a point is coloured by: a DEGRADED pass is not a clean pass. */
function pointVerdict(r: HistoryRow): string {
  return r.status === 'pass' && r.validity === 'DEGRADED' ? 'pass (degraded)' : r.status;
}

interface Point {
  run: number;
  value: number;
  verdict: string;
  series: string;
}

/** A line over the runs with a point per run coloured by its verdict, and the latest run's thresholds as rules. */
function trendSpec(points: Point[], yTitle: string, rules: ReturnType<typeof thresholdBounds>): TopLevelSpec {
  return {
    width: WIDTH,
    height: HEIGHT,
    config: { view: { stroke: null }, legend: { orient: 'top' } },
    data: { values: points },
    layer: [
      {
        mark: { type: 'line', color: '#8c959f', strokeWidth: 1.2 },
        encoding: {
          x: { field: 'run', type: 'quantitative', title: 'run (oldest first)', axis: { tickMinStep: 1, format: 'd' } },
          y: { field: 'value', type: 'quantitative', title: yTitle },
          detail: { field: 'series' },
        },
      },
      {
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          x: { field: 'run', type: 'quantitative' },
          y: { field: 'value', type: 'quantitative' },
          color: { field: 'verdict', type: 'nominal', title: 'verdict', scale: VERDICT_COLORS },
          // Several providers need telling apart; a single series needs no legend entry.
          ...(new Set(points.map((p) => p.series)).size > 1 ? { shape: { field: 'series', type: 'nominal', title: null } } : {}),
          tooltip: [{ field: 'run' }, { field: 'series' }, { field: 'value' }, { field: 'verdict' }],
        },
      },
      ...ruleLayer(rules, 'y', WIDTH),
    ],
  } as TopLevelSpec;
}

interface Trend {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

/** The trend charts the runs have data for: rate over limit, p95, drain time, peak memory. */
export function buildHistoryCharts(results: readonly Result[]): Trend[] {
  const rows = buildHistoryRows(results);
  const latest = results[results.length - 1]?.thresholds ?? [];
  const out: Trend[] = [];
  const rate = rows.flatMap((r) =>
    r.rateOverLimit
      .filter((x) => x.limit !== null && x.limit > 0)
      .map((x) => ({ run: r.run, value: (x.peak / (x.limit as number)) * 100, verdict: pointVerdict(r), series: x.provider })),
  );
  if (rate.length > 0)
    out.push({
      id: 'rate-over-limit',
      title: 'Busiest sliding second over the provider limit',
      caption:
        'Per run and provider: the most units admitted in any sliding second, as a share of the limit (the dotted line is 100%, the limit).',
      spec: trendSpec(rate, '% of the limit', [{ value: 100, label: 'the provider limit', ok: true }]),
    });
  const p95 = rows
    .filter((r) => r.p95 !== null)
    .map((r) => ({ run: r.run, value: r.p95 as number, verdict: pointVerdict(r), series: 'p95' }));
  if (p95.length > 0)
    out.push({
      id: 'p95',
      title: 'Latency p95 (corrected) per run',
      caption: 'Corrected p95 latency of each run; the dotted line is the latest run’s threshold.',
      spec: trendSpec(
        p95,
        'latency (ms)',
        thresholdBounds(latest, (t) => t.metric.startsWith('http.latency'), ['duration', 'number']),
      ),
    });
  const drain = rows
    .filter((r) => r.drainTime !== null && Number.isFinite(r.drainTime))
    .map((r) => ({ run: r.run, value: (r.drainTime as number) / 1000, verdict: pointVerdict(r), series: 'drain time' }));
  if (drain.length > 0)
    out.push({
      id: 'drain',
      title: 'Campaign drain time per run',
      caption: 'The slowest campaign’s drain time (a run whose campaign never drained has no point); the dotted line is the threshold.',
      spec: trendSpec(
        drain,
        'drain time (s)',
        thresholdBounds(
          latest,
          (t) => /^campaign\.(.+\.)?drainTime$/.test(t.metric),
          ['duration', 'number'],
          (ms) => ms / 1000,
        ),
      ),
    });
  const mib = 1024 * 1024;
  const memory = rows
    .filter((r) => r.peakMemory !== null)
    .map((r) => ({ run: r.run, value: (r.peakMemory as number) / mib, verdict: pointVerdict(r), series: 'peak memory' }));
  if (memory.length > 0)
    out.push({
      id: 'memory',
      title: 'Peak memory per run',
      caption: 'The highest memory series value scraped in each run, in MiB; the dotted line is the threshold.',
      spec: trendSpec(
        memory,
        'MiB',
        thresholdBounds(
          latest,
          (t) => MEMORY.test(t.metric),
          ['size', 'number'],
          (b) => b / mib,
        ),
      ),
    });
  return out;
}

/**
 * One self-contained HTML page of the scenario's history: the Markdown table's figures as a
 * table, then a chart per figure over the runs (vega-lite rendered to inline SVG in Node, specs
 * embedded as inert JSON, strict CSP: nothing loads).
 */
export async function renderHistoryHtml(results: readonly Result[]): Promise<string> {
  const rows = buildHistoryRows(results);
  const name = results[0]?.meta.scenario.name ?? '-';
  const charts: { chart: PageChart; caption: string }[] = [];
  for (const c of buildHistoryCharts(results)) {
    charts.push({ chart: { id: c.id, title: c.title, svg: await renderVegaLiteToSvg(c.spec), spec: c.spec }, caption: c.caption });
  }
  const last = rows[rows.length - 1];
  const tableRows = rows
    .map((r) => {
      const c = cells(r).map((x) => escapeHtml(x));
      const cls =
        r.status === 'pass' && r.validity === 'VALID' ? 'ok' : r.status === 'pass' ? 'warn' : r.status === 'invalid' ? 'muted' : 'fail';
      c[3] = `<span class="${cls}">${c[3]}</span>`;
      return `<tr>${c.map((x) => `<td>${x}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const body = [
    `<h1>${escapeHtml(name)}: ${rows.length} runs over time</h1>`,
    `<p class="muted">${escapeHtml(`${rows[0]?.startedAt ?? ''} → ${last?.startedAt ?? ''} · latest verdict ${last?.status.toUpperCase() ?? '-'} · scenario hash ${results[0]?.meta.scenario.hash ?? '-'}`)}</p>`,
    '<h2>Charts</h2>',
    ...charts.map((c) => renderFigure(c.chart, c.caption)),
    '<h2>Runs</h2>',
    `<table id="runs"><thead><tr>${HEAD.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>\n${tableRows}\n</tbody></table>`,
  ].join('\n');
  return renderHtmlPage({ title: `floodgate history: ${name}`, body, charts: charts.map((c) => c.chart) });
}
