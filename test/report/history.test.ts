import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

// Ten result.json files of real `npx floodgate run scenarios/quickstart.yaml` runs (a busy shared
// machine: two DEGRADED passes, the rest INVALID because the generator fell behind).
const FIXTURES = 'test/fixtures/history/quickstart';
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);

let dir: string;
let out: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fg-history-'));
  out = join(dir, 'out');
  const { code, out: printed, err } = await cli(['report', '--history', FIXTURES, '--out', out]);
  expect(err).toBe('');
  expect(code).toBe(0);
  expect(printed).toBe(`${join(out, 'history.html')}\n${join(out, 'history.md')}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('floodgate report --history', () => {
  it('writes a Markdown table with one row per run, oldest first, every figure with its unit', async () => {
    const md = await readFile(join(out, 'history.md'), 'utf8');
    expect(md.split('\n')[0]).toBe('### quickstart: 10 runs over time');
    const rows = md.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    expect(rows).toHaveLength(10);
    const started = rows.map((r) => r.split(' | ')[1] as string);
    expect([...started].sort()).toEqual(started);
    for (const row of rows) {
      expect(row).toMatch(/\| (PASS|FAIL|INVALID|PASS \(DEGRADED\)) \| \d\/7 \|/);
      expect(row).toMatch(/alimtalk [\d,]+\/s of 200\/s \([\d.]+%\) \| [\d,.]+ ms \| [\d,.]+ ms \| [\d.]+ MiB \|$/);
    }
  });

  it('refuses an empty folder, a foreign JSON file and mixed scenarios, naming the file, with exit 4', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const e1 = await cli(['report', '--history', empty]);
    expect(e1.code).toBe(4);
    expect(e1.err).toMatch(/^error: .*empty: no result files/);

    const foreign = join(dir, 'foreign');
    await cp(FIXTURES, foreign, { recursive: true });
    await writeFile(join(foreign, 'package.json'), '{"name": "not-a-result"}');
    const e2 = await cli(['report', '--history', foreign]);
    expect(e2.code).toBe(4);
    expect(e2.err).toMatch(/^error: .*foreign\/package\.json: not a floodgate result \(no schemaVersion\)/);

    await writeFile(join(foreign, 'package.json'), '{"schemaVersion": 1, ');
    const e3 = await cli(['report', '--history', foreign]);
    expect(e3.code).toBe(4);
    expect(e3.err).toMatch(/foreign\/package\.json:1:\d+: the JSON ends early/);
    await rm(join(foreign, 'package.json'));

    const other = JSON.parse(await readFile(join(FIXTURES, 'run-01', 'result.json'), 'utf8'));
    other.meta.scenario.name = 'other';
    await writeFile(join(foreign, 'run-01', 'result.json'), JSON.stringify(other));
    const e4 = await cli(['report', '--history', foreign]);
    expect(e4.code).toBe(4);
    expect(e4.err).toMatch(
      /run-0\d\/result\.json: scenario "(quickstart|other)", but .*run-01\/result\.json is "(other|quickstart)": a history is of one scenario/,
    );

    const missing = await cli(['report', '--history', join(dir, 'nowhere')]);
    expect(missing.code).toBe(4);
    expect(missing.err).toMatch(/nowhere: cannot read the history folder \(ENOENT\)/);
    expect([e1, e2, e3, e4, missing].map((r) => r.err).join('')).not.toMatch(/\n\s+at /);
  });
});

describe.skipIf(!hasChromium)('the history page in headless Chromium', () => {
  it('renders every chart with no network request and no console error', { timeout: 60_000 }, async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1150, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(join(out, 'history.html')).href;
      await page.goto(url, { waitUntil: 'load' });
      // The page itself is the only request: no script, style, font or image loads.
      expect(requests).toEqual([url]);
      const ids = await page.locator('figure[id^="chart-"]').evaluateAll((els) => els.map((e) => e.id));
      expect(ids).toEqual(['chart-rate-over-limit', 'chart-p95', 'chart-drain', 'chart-memory']);
      // Each chart is drawn: ten run points (one per result), not an empty frame.
      const points = await page
        .locator('figure svg')
        .evaluateAll((svgs) => svgs.map((s) => s.querySelectorAll('g.mark-symbol.role-mark path').length));
      expect(points).toEqual([10, 10, 10, 10]);
      const sizes = await page.locator('figure svg').evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect().height));
      for (const h of sizes) expect(h).toBeGreaterThan(150);
      expect(await page.locator('#runs tbody tr').count()).toBe(10);
      await mkdir('reports', { recursive: true });
      await page.screenshot({ path: 'reports/history-test.png', fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
