import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareWithBaseline } from '../../src/gate/index.ts';
import { renderHtmlReport } from '../../src/report/index.ts';
import { buildSampleResult } from '../helpers/result-sample.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`skipping the HTML report browser test: ${CHROMIUM} is missing (apt-get install chromium)`);

let dir: string;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floodgate-html-'));
  // A regression with duplicates and rejections, so every chart and every table has content.
  const candidate = buildSampleResult({
    seconds: 900,
    seed: 'html-c',
    latencyShiftMs: 25,
    duplicates: 6,
    achieved: 204,
    samplesPerSecond: 10,
  });
  candidate.thresholds = [
    { metric: 'http.latency.p95', expression: '< 200ms', actual: 120, ok: true, message: 'http.latency.p95: < 200ms (actual 120ms)' },
  ];
  const baseline = buildSampleResult({ seconds: 900, seed: 'html-b', samplesPerSecond: 10 });
  const html = await renderHtmlReport(candidate, compareWithBaseline(candidate, baseline, { label: 'baseline.json', resamples: 300 }));
  file = join(dir, 'report.html');
  await writeFile(file, html);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)('HTML report in headless Chromium', () => {
  it('opens offline with no console errors, no network requests, and every chart drawn', { timeout: 60_000 }, async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1150, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => {
        if (!/^(file|data):/.test(r.url())) problems.push(`request ${r.url()}`);
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      expect(await page.locator('#verdict').textContent()).toMatch(/^FAIL: /);
      // The banner's text is readable: white on its colour, not the status colour on itself.
      const colours = await page.locator('#verdict').evaluate((e) => {
        // Runs in the page: the DOM's getComputedStyle, which Node's types do not declare.
        const style = (
          globalThis as unknown as { getComputedStyle(el: unknown): { color: string; backgroundColor: string } }
        ).getComputedStyle(e);
        return [style.color, style.backgroundColor];
      });
      expect(colours).toEqual(['rgb(255, 255, 255)', 'rgb(207, 34, 46)']);
      const ids = await page.locator('figure[id^="chart-"]').evaluateAll((els) => els.map((e) => e.id));
      expect(ids).toEqual([
        'chart-rate',
        'chart-latency',
        'chart-baseline',
        'chart-provider-alimtalk',
        'chart-windows',
        'chart-deliveries',
        'chart-campaign-welcome',
        'chart-series',
        'chart-usl-api',
      ]);
      // Each chart is a drawn SVG: it has marks (paths), not just an empty frame.
      const marks = await page
        .locator('figure svg')
        .evaluateAll((svgs) => svgs.map((s) => s.querySelectorAll('path, rect, circle, line').length));
      expect(marks).toHaveLength(9);
      for (const n of marks) expect(n).toBeGreaterThan(5);
      const sizes = await page.locator('figure svg').evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect().height));
      for (const h of sizes) expect(h).toBeGreaterThan(100);
      await mkdir('reports', { recursive: true });
      await page.screenshot({ path: 'reports/html-report-test.png', fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
