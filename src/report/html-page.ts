/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The content-security policy every floodgate HTML file carries: nothing may load or run, so the
 * file is self-contained by construction (charts are inline SVG, styles inline).
 */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE = `
  :root { color-scheme: light; --ok: #1a7f37; --fail: #cf222e; --warn: #9a6700; --muted: #57606a; }
  body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans KR", sans-serif; margin: 0; color: #1f2328; }
  main { max-width: 1100px; margin: 0 auto; padding: 24px; }
  h1 { font-size: 22px; margin: 0 0 8px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; }
  table { border-collapse: collapse; margin: 8px 0; } td, th { padding: 4px 10px; border-bottom: 1px solid #eaeef2; text-align: left; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .banner { padding: 14px 18px; border-radius: 6px; font-size: 18px; font-weight: 600; color: #fff; }
  .banner.pass { background: var(--ok); } .banner.fail { background: var(--fail); } .banner.warn, .banner.degraded { background: var(--warn); }
  .banner.invalid { background: repeating-linear-gradient(135deg, #24292f 0 14px, #32383f 14px 28px); border-left: 8px solid var(--fail); }
  .banner + .banner { margin-top: 8px; }
  .banner.pass, .banner.fail, .banner.warn, .banner.degraded, .banner.invalid { color: #fff; }
  .ok { color: var(--ok); font-weight: 600; } .fail { color: var(--fail); font-weight: 600; } .warn { color: var(--warn); font-weight: 600; }
  .muted { color: var(--muted); } figure { margin: 12px 0; } figcaption { color: var(--muted); font-size: 13px; }
  svg { max-width: 100%; height: auto; }
`;

/** A chart as it goes into a page: its title, rendered SVG, and the vega-lite spec it came from. */
export interface PageChart {
  id: string;
  title: string;
  svg: string;
  spec: unknown;
}

/**
 * Wraps report content in one self-contained HTML document: inline styles, inline SVG charts,
 * their vega-lite specs embedded as inert JSON (for anyone who wants to re-render them), and a
 * strict CSP. `body` must already be escaped HTML.
 */
export function renderHtmlPage(options: { title: string; body: string; charts?: readonly PageChart[] }): string {
  const specs = (options.charts ?? [])
    .map((c) => `<script type="application/json" id="spec-${escapeHtml(c.id)}">${JSON.stringify(c.spec).replace(/</g, '\\u003c')}</script>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${options.body}
</main>
${specs}
</body>
</html>
`;
}

/** Renders a chart as a captioned figure. */
export function renderFigure(chart: PageChart, caption?: string): string {
  const cap = caption ? `<figcaption>${escapeHtml(caption)}</figcaption>` : '';
  return `<figure id="chart-${escapeHtml(chart.id)}"><h3>${escapeHtml(chart.title)}</h3>${chart.svg}${cap}</figure>`;
}
