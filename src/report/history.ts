import { formatQuantity, type Result } from '../core/index.ts';
import { buildVerdict } from '../gate/index.ts';
import { buildHistoryCharts, MEMORY } from './history-charts.ts';
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

/**
 * One self-contained HTML page of the scenario's history: the Markdown table's figures as a
 * table, then a chart per figure over the runs (vega-lite rendered to inline SVG in Node, specs
 * embedded as inert JSON, strict CSP: nothing loads).
 */
export async function renderHistoryHtml(results: readonly Result[]): Promise<string> {
  const rows = buildHistoryRows(results);
  const name = results[0]?.meta.scenario.name ?? '-';
  const charts: { chart: PageChart; caption: string }[] = [];
  for (const c of buildHistoryCharts(results, rows)) {
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
