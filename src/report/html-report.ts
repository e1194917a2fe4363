import type { Result } from '../core/index.ts';
import { formatChange, formatCount, formatFigure, formatPercent } from '../core/index.ts';
import { buildVerdict, type Comparison, type Verdict } from '../gate/index.ts';
import { buildBanner, checkDisplayStatus } from './banner.ts';
import { buildCharts } from './charts.ts';
import { buildKeyFigures } from './figures.ts';
import { escapeHtml, type PageChart, renderFigure, renderHtmlPage } from './html-page.ts';
import { describeThreshold, formatThresholdActual } from './quantities.ts';
import { renderVegaLiteToSvg } from './vega-svg.ts';

function table(head: string[], rows: string[][], numeric: number[] = []): string {
  const th = head.map((h, i) => `<th${numeric.includes(i) ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function status(ok: boolean | 'skip' | 'warn'): string {
  if (ok === 'skip') return '<span class="muted">skip</span>';
  if (ok === 'warn') return '<span class="warn">DEGRADED</span>';
  return ok ? '<span class="ok">ok</span>' : '<span class="fail">FAIL</span>';
}

function renderComparison(c: Comparison): string {
  const rows: string[][] = [];
  for (const d of c.counts) {
    rows.push([
      status(!d.regressed),
      escapeHtml(d.metric),
      d.baseline === null ? '-' : formatCount(d.baseline),
      formatCount(d.candidate),
      d.regressed ? 'worse' : '',
    ]);
  }
  for (const e of c.efficiency)
    rows.push([
      status(!e.regressed),
      escapeHtml(e.metric),
      formatPercent(e.baseline, 1),
      formatPercent(e.candidate, 1),
      formatChange(e.change),
    ]);
  if (c.latency) {
    const l = c.latency;
    rows.push([
      status(!l.regressed),
      `${escapeHtml(l.metric)} (median of ${l.samples.candidate} s)`,
      `${formatFigure(l.baselineMedian, 1)} ms`,
      `${formatFigure(l.candidateMedian, 1)} ms`,
      escapeHtml(
        `${formatChange(l.ratio.estimate - 1)} (${Math.round(l.ratio.confidence * 100)}% CI ${formatChange(l.ratio.lower - 1)}..${formatChange(l.ratio.upper - 1)}, Mann-Whitney p=${l.test.p.toPrecision(2)}, ${l.test.method})`,
      ),
    ]);
  }
  const notes = [
    ...c.warnings.map((w) => `<p class="warn">${escapeHtml(w)}</p>`),
    ...c.notes.map((n) => `<p class="muted">${escapeHtml(n)}</p>`),
  ].join('\n');
  return `<h2>Against ${escapeHtml(c.baseline.label)}</h2>
<p class="muted">Baseline started ${escapeHtml(c.baseline.startedAt)} with floodgate ${escapeHtml(c.baseline.toolVersion)}. A regression needs p &lt; ${c.options.alpha} and a change beyond ${formatPercent(c.options.noise, 0)}; counts compare strictly; ${c.options.resamples} bootstrap resamples.</p>
${table(['', 'metric', 'baseline', 'this run', 'change'], rows, [2, 3])}
${notes}`;
}

/** The page body (escaped HTML) around already-rendered charts. */
function renderBody(result: Result, verdict: Verdict, charts: readonly { chart: PageChart; caption: string }[]): string {
  const m = result.meta;
  const banner = buildBanner(result, verdict);
  const parts = [
    `<div class="banner ${banner.kind}" id="verdict">${escapeHtml(banner.headline)}</div>`,
    ...(banner.degraded ? [`<div class="banner degraded" id="validity">${escapeHtml(banner.degraded)}</div>`] : []),
    `<p class="muted">${escapeHtml(`${m.scenario.name} · ${m.scenario.file ?? 'no file'} · hash ${m.scenario.hash} · floodgate ${m.tool.version}${m.gitCommit ? ` · commit ${m.gitCommit.slice(0, 10)}` : ''} · ${m.startedAt} → ${m.endedAt} · scale ${m.scale} · ${m.machine.cpus} × ${m.machine.cpuModel}, node ${m.machine.node}`)}</p>`,
  ];
  if (verdict.reasons.length > 1) parts.push(`<ul>${verdict.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`);
  // The DEGRADED warning is a banner already.
  for (const w of verdict.warnings.filter((w) => !w.startsWith('run DEGRADED'))) parts.push(`<p class="warn">${escapeHtml(w)}</p>`);
  const figures = buildKeyFigures(result);
  if (figures.length > 0)
    parts.push(
      '<h2>Key figures</h2>',
      table(
        ['', ''],
        figures.map((f) => [escapeHtml(f.label), escapeHtml(f.value)]),
      ),
    );
  if (charts.length > 0) parts.push('<h2>Charts</h2>', ...charts.map((c) => renderFigure(c.chart, c.caption)));
  parts.push('<h2>Thresholds</h2>');
  parts.push(
    result.thresholds.length === 0
      ? '<p class="muted">The scenario declares no thresholds.</p>'
      : table(
          ['', 'metric', 'expression', 'actual', 'message'],
          result.thresholds.map((t) => [
            status(t.ok),
            escapeHtml(t.metric),
            escapeHtml(t.expression),
            escapeHtml(formatThresholdActual(t)),
            escapeHtml(describeThreshold(t)),
          ]),
          [3],
        ),
  );
  parts.push(
    '<h2>Correctness checks</h2>',
    table(
      ['', 'check', 'result'],
      verdict.checks.map((c) => {
        const shown = checkDisplayStatus(c);
        return [status(shown === 'skip' || shown === 'warn' ? shown : shown === 'pass'), escapeHtml(c.id), escapeHtml(c.message)];
      }),
    ),
  );
  if (verdict.comparison) parts.push(renderComparison(verdict.comparison));
  return parts.join('\n');
}

/**
 * One self-contained HTML file: the verdict banner, key figures, every chart the result has data
 * for (vega-lite compiled and rendered to inline SVG in Node, specs embedded as inert JSON), the
 * thresholds and checks tables and the baseline comparison. No script runs and nothing loads
 * (strict CSP), so it opens offline, from a CI artifact or an email.
 */
export async function renderHtmlReport(result: Result, comparison: Comparison | null = null): Promise<string> {
  const verdict = buildVerdict(result, comparison);
  const rendered: { chart: PageChart; caption: string }[] = [];
  for (const c of buildCharts(result, comparison)) {
    const svg = await renderVegaLiteToSvg(c.spec);
    rendered.push({ chart: { id: c.id, title: c.title, svg, spec: c.spec }, caption: c.caption });
  }
  return renderHtmlPage({
    title: `floodgate ${verdict.status.toUpperCase()}: ${result.meta.scenario.name}`,
    body: renderBody(result, verdict, rendered),
    charts: rendered.map((r) => r.chart),
  });
}
