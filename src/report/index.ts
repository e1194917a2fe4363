/** Reports: a result (and an optional baseline comparison) rendered to strings. Writers live in src/cli. */

export type { ChartSpec } from './charts.ts';
export { buildCharts } from './charts.ts';
export { downsample, MAX_CHART_POINTS } from './downsample.ts';
export type { HistoryRow } from './history.ts';
export { buildHistoryRows, renderHistoryHtml, renderHistoryMarkdown } from './history.ts';
export { escapeHtml, REPORT_CSP, renderFigure, renderHtmlPage } from './html-page.ts';
export { renderHtmlReport } from './html-report.ts';
export { renderJson } from './json.ts';
export { escapeXml, renderJunit } from './junit.ts';
export { renderMarkdown } from './markdown.ts';
export { renderVegaLiteToSvg } from './vega-svg.ts';
export { renderVerdictWithUnits } from './verdict-text.ts';
