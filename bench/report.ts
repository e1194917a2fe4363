/**
 * Benchmark: how long the HTML report of a one-hour result (3,600-second timeline, per-second
 * provider and scraped series at 1 s resolution, real HdrHistograms) takes to render, against
 * a 60-second result rendered in the same process as the baseline. Median of 5 runs each, after
 * one warm-up. Goal (issue 6): the one-hour report under 2 s. Writes reports/bench/report.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { compareWithBaseline } from '../src/gate/index.ts';
import { renderHtmlReport, renderMarkdown } from '../src/report/index.ts';
import { buildSampleResult } from '../test/helpers/result-sample.ts';

const RUNS = 5;

async function medianMs(
  label: string,
  fn: () => Promise<unknown> | unknown,
): Promise<{ label: string; medianMs: number; runsMs: number[] }> {
  await fn(); // warm-up: JIT and vega's module initialisation
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await fn();
    runs.push(Math.round((performance.now() - start) * 10) / 10);
  }
  const sorted = [...runs].sort((a, b) => a - b);
  const medianMs = sorted[Math.floor(sorted.length / 2)] as number;
  console.log(`${label}: median ${medianMs} ms (runs ${runs.join(', ')})`);
  return { label, medianMs, runsMs: runs };
}

const hour = buildSampleResult({ seconds: 3600, seed: 'bench-hour' });
const hourBaseline = buildSampleResult({ seconds: 3600, seed: 'bench-hour-base' });
const minute = buildSampleResult({ seconds: 60, seed: 'bench-minute' });
const resultBytes = JSON.stringify(hour).length;

const minuteHtml = await medianMs('html, 60 s result (baseline)', () => renderHtmlReport(minute));
const hourHtml = await medianMs('html, 3,600 s result', () => renderHtmlReport(hour));
const comparison = compareWithBaseline(hour, hourBaseline);
const hourHtmlWithBaseline = await medianMs('html, 3,600 s result with a baseline comparison', () => renderHtmlReport(hour, comparison));
const hourCompare = await medianMs('baseline comparison of two 3,600 s results (2,000 resamples)', () =>
  compareWithBaseline(hour, hourBaseline),
);
const hourMarkdown = await medianMs('markdown, 3,600 s result', () => renderMarkdown(hour, comparison));

const figures = {
  benchmark: 'report',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  runs: RUNS,
  resultBytes,
  goalMs: 2000,
  results: [minuteHtml, hourHtml, hourHtmlWithBaseline, hourCompare, hourMarkdown],
  ratios: {
    hourVsMinuteHtml: Math.round((hourHtml.medianMs / minuteHtml.medianMs) * 100) / 100,
    hourWithBaselineVsHour: Math.round((hourHtmlWithBaseline.medianMs / hourHtml.medianMs) * 100) / 100,
  },
  goalMet: hourHtml.medianMs < 2000 && hourHtmlWithBaseline.medianMs < 2000,
};
await mkdir('reports/bench', { recursive: true });
await writeFile('reports/bench/report.json', `${JSON.stringify(figures, null, 2)}\n`);
console.log(`one-hour report ${figures.goalMet ? 'meets' : 'MISSES'} the 2 s goal; wrote reports/bench/report.json`);
