import type { PlanReport } from '../planner/index.ts';
import { escapeHtml, type PageChart, renderFigure, renderHtmlPage } from './html-page.ts';
import { toPlanChartSpecs } from './plan-charts.ts';
import { markText, type PlanSection, toPlanSections } from './plan-sections.ts';
import { renderVegaLiteToSvg } from './vega-svg.ts';

function renderSectionHtml(section: PlanSection): string {
  const lines =
    section.lines.length === 0
      ? ''
      : `<table>${section.lines
          .map((l) => {
            const mark = l.mark && l.mark !== 'ok' ? ` <span class="${l.mark}">${markText(l.mark)}</span>` : '';
            return `<tr><th>${escapeHtml(l.label)}</th><td class="num">${escapeHtml(l.value)}</td><td>${mark} <span class="muted">${escapeHtml(l.note ?? '')}</span></td></tr>`;
          })
          .join('')}</table>`;
  const t = section.table;
  const table = t
    ? `<table><tr>${t.headers.map((h, i) => `<th${t.numeric[i] ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('')}</tr>${t.rows
        .map(
          (r) =>
            `<tr>${r
              .map((c, i) => {
                const cls = [t.numeric[i] ? 'num' : '', /^FAIL/.test(c) ? 'fail' : ''].filter(Boolean).join(' ');
                return `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(c)}</td>`;
              })
              .join('')}</tr>`,
        )
        .join('')}</table>`
    : '';
  return `<h2>${escapeHtml(section.title)}</h2>${section.tableFirst ? table + lines : lines + table}`;
}

/**
 * The plan as one self-contained HTML page (`plan.html`): verdict banner, flags, every section
 * as tables, and the charts as inline SVG rendered offline from vega-lite.
 */
export async function renderPlanHtml(report: PlanReport): Promise<string> {
  const specs = toPlanChartSpecs(report);
  const charts: PageChart[] = [];
  for (const c of specs) charts.push({ id: c.id, title: c.title, svg: await renderVegaLiteToSvg(c.spec), spec: c.spec });
  const banner = report.verdict === 'ok' ? 'pass' : report.verdict;
  const flags =
    report.flags.length === 0
      ? ''
      : `<h2>Flags</h2><ul>${report.flags
          .map(
            (f) =>
              `<li><span class="${f.severity}">${markText(f.severity)}</span> <code>${escapeHtml(f.subject)}</code>: ${escapeHtml(f.message)}</li>`,
          )
          .join('')}</ul>`;
  const body = [
    `<h1>Capacity plan: ${escapeHtml(report.name)}</h1>`,
    report.description ? `<p class="muted">${escapeHtml(report.description)}</p>` : '',
    `<div class="banner ${banner}">Verdict: ${report.verdict.toUpperCase()}</div>`,
    flags,
    ...toPlanSections(report).map(renderSectionHtml),
    charts.length > 0 ? '<h2>Charts</h2>' : '',
    ...charts.map((c, i) => renderFigure(c, specs[i]?.caption)),
  ].join('\n');
  return renderHtmlPage({ title: `floodgate plan: ${report.name}`, body, charts });
}
