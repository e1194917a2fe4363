/**
 * Renders docs/report.png, the README's picture of the HTML report, from a real run:
 *
 *   npx floodgate run scenarios/quickstart.yaml --out reports/readme
 *   npx floodgate report reports/readme/result.json --format html --out reports/readme
 *   npx tsx scripts/readme-screenshot.ts reports/readme/report.html docs/report.png
 *
 * Headless Debian Chromium through playwright-core (no browser download). The top of the page
 * only (verdict, thresholds, the first charts), at 1200 px wide, to keep the PNG small.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [html = 'reports/readme/report.html', png = 'docs/report.png'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1270 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(resolve(html)).href, { waitUntil: 'load' });
  await page.screenshot({ path: png, clip: { x: 0, y: 0, width: 1200, height: 1270 } });
  console.log(`wrote ${png}`);
} finally {
  await browser.close();
}
