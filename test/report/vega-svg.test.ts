import { describe, expect, it } from 'vitest';
import { escapeHtml, REPORT_CSP, renderHtmlPage } from '../../src/report/html-page.ts';
import { renderVegaLiteToSvg } from '../../src/report/vega-svg.ts';

describe('renderVegaLiteToSvg', () => {
  it('renders an inline-data line chart to SVG with its marks', async () => {
    const svg = await renderVegaLiteToSvg({
      data: { values: [1, 2, 3].map((t) => ({ t, rate: t * 100 })) },
      mark: 'line',
      encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'rate', type: 'quantitative', title: 'rate per second' } },
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('rate per second');
    expect(svg).toMatch(/<path[^>]+d="M/);
  });

  it('refuses to fetch remote data', async () => {
    await expect(renderVegaLiteToSvg({ data: { url: 'https://example.com/x.json' }, mark: 'point' })).rejects.toThrow(/refusing to load/);
  });
});

describe('renderHtmlPage', () => {
  it('carries a strict CSP and embeds specs inertly', () => {
    const html = renderHtmlPage({
      title: 'a <b>',
      body: '<p>x</p>',
      charts: [{ id: 'c1', title: 't', svg: '<svg></svg>', spec: { note: '</script>' } }],
    });
    expect(html).toContain(`content="${REPORT_CSP}"`);
    expect(html).toContain('<title>a &#60;b&#62;</title>');
    expect(html).toContain('<script type="application/json" id="spec-c1">{"note":"\\u003c/script>"}</script>');
    expect(html).not.toMatch(/<script(?! type="application\/json")/);
  });

  it('escapes all five HTML metacharacters', () =>
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;'));
});
