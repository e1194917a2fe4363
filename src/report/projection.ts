import type { TopLevelSpec } from 'vega-lite';
import { formatBinaryBytes, formatCount, formatElapsed, formatFigure } from '../core/index.ts';
import { parseThresholdExpression, projectedFigureKey } from '../gate/index.ts';
import type { ProjectedFigure, Projection } from '../planner/index.ts';
import { escapeHtml, type PageChart, renderFigure, renderHtmlPage } from './html-page.ts';
import { renderVegaLiteToSvg } from './vega-svg.ts';

/**
 * The projection report (`floodgate project`): one line per figure and size in the terminal,
 * a Markdown table (projection.md) and a self-contained HTML page with a chart per figure:
 * the measured runs, the fitted curve out to the farthest size, the projections with their 95%
 * prediction intervals and any `projected.*` bound (projection.html).
 */

/** A figure's value in its unit: `410 MB`, `35 min 2 s`, `12.5`. */
export function formatProjected(figure: Pick<ProjectedFigure, 'unit'>, value: number): string {
  if (figure.unit === 'bytes') return formatBinaryBytes(value);
  if (figure.unit === 'ms') return formatElapsed(value);
  return formatFigure(value);
}

const SHAPE_TEXT = { flat: 'flat', linear: 'linear', superlinear: 'worse than linear' } as const;

/** How the fit reads in one phrase: `linear, R² 0.99` or `flat, slope CI [-12, 30] per recipient`. */
export function describeFit(figure: ProjectedFigure): string {
  const { fit } = figure;
  const per = (v: number) =>
    figure.unit === 'bytes' ? `${formatFigure(v / 1000, 1)} kB` : figure.unit === 'ms' ? `${formatFigure(v, 2)} ms` : formatFigure(v, 4);
  const ci = `slope ${per(fit.line.slope)}/recipient, 95% CI [${per(fit.line.slopeCi[0])}, ${per(fit.line.slopeCi[1])}]`;
  return `${SHAPE_TEXT[fit.shape]}, R² ${formatFigure(fit.rSquared, 3)}; ${ci}`;
}

/** One sentence per figure and size, with any bound it is judged against. */
export function projectionLines(p: Projection): string[] {
  const lines: string[] = [];
  for (const f of p.figures) {
    for (const at of f.at) {
      const bounds = p.thresholds.filter((t) => t.label === at.label && projectedFigureKey(t.metric) === f.key);
      const judged = bounds.map((t) => ` against ${t.expression}: ${t.ok ? 'PASS' : 'FAIL'}`).join(',');
      lines.push(
        `at ${formatCount(at.recipients)} recipients (${at.label}) ${f.key} is projected at ${formatProjected(f, at.value)} ` +
          `(95% ${formatProjected(f, at.low)} to ${formatProjected(f, at.high)}; ${SHAPE_TEXT[f.fit.shape]}, R² ${formatFigure(f.fit.rSquared, 2)})${judged}`,
      );
    }
  }
  return lines;
}

/** The terminal summary: verdict first, then each projection, thresholds and warnings. */
export function renderProjectionText(p: Projection): string {
  const head = `${p.status.toUpperCase()}: projection of ${p.scenario} from ${p.runs.length} runs (scales ${p.runs.map((r) => r.scale).join(', ')})`;
  const fits = p.figures.map((f) => `  ${f.key}: ${describeFit(f)}`);
  const failed = p.thresholds
    .filter((t) => !t.ok)
    .map((t) => {
      const f = p.figures.find((x) => projectedFigureKey(t.metric) === x.key);
      const actual = t.actual === null ? '' : ` (projected ${f ? formatProjected(f, t.actual) : formatFigure(t.actual)})`;
      return `  FAIL ${t.message}${actual}`;
    });
  const runs = p.runs
    .filter((r) => r.status !== 'pass')
    .map((r) => `  run at scale ${r.scale}: ${r.status.toUpperCase()} (${r.resultFile ?? 'no file'})`);
  return `${[head, ...fits, ...projectionLines(p).map((l) => `  ${l}`), ...failed, ...runs, ...p.warnings.map((w) => `  warning: ${w}`)].join('\n')}\n`;
}

/** projection.md: the runs, each figure's fit and projections, and the judged bounds. */
export function renderProjectionMarkdown(p: Projection): string {
  const out = [`## Projection: ${p.scenario} — ${p.status.toUpperCase()}`, ''];
  out.push(
    `Runs at scales ${p.runs.map((r) => `${r.scale} (${formatCount(r.recipients)} recipients, ${r.status.toUpperCase()})`).join(', ')}.`,
  );
  if (p.plan) out.push(`Plan: \`${p.plan}\`.`);
  out.push(
    '',
    '| figure | growth | R² | slope per recipient (95% CI) | size | recipients | projected | 95% interval |',
    '| --- | --- | ---: | --- | --- | ---: | ---: | --- |',
  );
  for (const f of p.figures) {
    for (const at of f.at) {
      out.push(
        `| \`${f.key}\` | ${SHAPE_TEXT[f.fit.shape]} | ${formatFigure(f.fit.rSquared, 3)} | ${escapeMd(describeFit(f).split('; ')[1] ?? '')} | ${at.label} | ${formatCount(at.recipients)} | ${formatProjected(f, at.value)} | ${formatProjected(f, at.low)} to ${formatProjected(f, at.high)} |`,
      );
    }
  }
  if (p.thresholds.length > 0) {
    out.push('', '| threshold | size | projected | result |', '| --- | --- | ---: | --- |');
    for (const t of p.thresholds) {
      const f = p.figures.find((x) => projectedFigureKey(t.metric) === x.key);
      const actual = t.actual === null ? '-' : f ? formatProjected(f, t.actual) : formatFigure(t.actual);
      out.push(`| \`${t.metric}: ${escapeMd(t.expression)}\` | ${t.label} | ${actual} | ${t.ok ? 'PASS' : '**FAIL**'} |`);
    }
  }
  if (p.warnings.length > 0) out.push('', ...p.warnings.map((w) => `- ${escapeMd(w)}`));
  return `${out.join('\n')}\n`;
}

function escapeMd(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The chart of one figure: measured points, the fitted curve, projections with intervals, bounds. */
function figureSpec(p: Projection, f: ProjectedFigure): TopLevelSpec {
  const scaleY = f.unit === 'bytes' ? 1e6 : f.unit === 'ms' ? 1000 : 1;
  const yTitle = f.unit === 'bytes' ? `${f.key} (MB)` : f.unit === 'ms' ? `${f.key} (s)` : f.key;
  const maxX = Math.max(...f.at.map((a) => a.recipients), ...f.fit.points.map((pt) => pt[0]));
  const curve = Array.from({ length: 41 }, (_, i) => {
    const x = (maxX * i) / 40;
    const { line, quadratic, shape } = f.fit;
    const mean = f.fit.points.reduce((a, pt) => a + pt[1], 0) / f.fit.points.length;
    const y =
      shape === 'flat'
        ? mean
        : shape === 'linear' || !quadratic
          ? line.intercept + line.slope * x
          : quadratic.a + quadratic.b * x + quadratic.c * x * x;
    return { x, y: y / scaleY, kind: 'fit' };
  });
  const measured = f.fit.points.map(([x, y]) => ({ x, y: y / scaleY, kind: 'measured run' }));
  const projected = f.at.map((a) => ({
    x: a.recipients,
    y: a.value / scaleY,
    low: a.low / scaleY,
    high: a.high / scaleY,
    kind: `projected: ${a.label}`,
  }));
  const bounds = p.thresholds
    .filter((t) => projectedFigureKey(t.metric) === f.key)
    .map((t) => ({ bound: boundOf(t.expression) / scaleY, rule: `bound ${t.expression}` }))
    .filter((b, i, all) => Number.isFinite(b.bound) && all.findIndex((o) => o.rule === b.rule) === i);
  const x = { field: 'x', type: 'quantitative', title: 'recipients' } as const;
  const y = { field: 'y', type: 'quantitative', title: yTitle } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: 560,
    height: 260,
    layer: [
      { data: { values: curve }, mark: { type: 'line', color: '#4c78a8' }, encoding: { x, y } },
      {
        data: { values: projected },
        mark: { type: 'rule', color: '#e45756' },
        encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } },
      },
      {
        data: { values: [...measured, ...projected] },
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          x,
          y,
          color: { field: 'kind', type: 'nominal', title: null, legend: { labelLimit: 400 } },
          shape: { field: 'kind', type: 'nominal', title: null },
        },
      },
      ...(bounds.length > 0
        ? [
            {
              data: { values: bounds },
              mark: { type: 'rule' as const, strokeDash: [6, 4], color: '#b00020' },
              encoding: { y: { field: 'bound', type: 'quantitative' as const } },
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}

/** The bound a threshold expression states, in base units (`< 256MiB` -> 268435456), as the gate parses it. */
function boundOf(expression: string): number {
  const parsed = parseThresholdExpression(expression);
  return 'message' in parsed ? Number.NaN : parsed.value;
}

/** projection.html: one self-contained page (no network), a chart and a table per figure. */
export async function renderProjectionHtml(p: Projection): Promise<string> {
  const charts: PageChart[] = [];
  for (const [i, f] of p.figures.entries()) {
    const spec = figureSpec(p, f);
    charts.push({ id: `projection-${i}`, title: f.key, svg: await renderVegaLiteToSvg(spec), spec });
  }
  const banner = `<div class="banner ${p.status === 'pass' ? 'pass' : 'fail'}">${escapeHtml(p.status.toUpperCase())}: projection of ${escapeHtml(p.scenario)}</div>`;
  const lines = projectionLines(p)
    .map((l) => `<li>${escapeHtml(l)}</li>`)
    .join('');
  const failed = p.thresholds
    .map((t) => `<li class="${t.ok ? 'ok' : 'fail'}">${t.ok ? 'PASS' : 'FAIL'} ${escapeHtml(t.message)}</li>`)
    .join('');
  const figures = p.figures.map((f, i) => renderFigure(charts[i] as PageChart, describeFit(f))).join('\n');
  const md = renderProjectionMarkdown(p);
  const body = `<h1>Projection: ${escapeHtml(p.scenario)}</h1>${banner}
<p>Runs at scales ${escapeHtml(p.runs.map((r) => `${r.scale} (${formatCount(r.recipients)} recipients)`).join(', '))}${p.plan ? `; plan ${escapeHtml(p.plan)}` : ''}.</p>
<ul>${lines}</ul>${failed ? `<h2>Thresholds</h2><ul>${failed}</ul>` : ''}
${figures}
${p.warnings.length ? `<h2>Warnings</h2><ul>${p.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''}
<details><summary>As Markdown</summary><pre>${escapeHtml(md)}</pre></details>`;
  return renderHtmlPage({ title: `floodgate projection: ${p.scenario}`, body, charts });
}
