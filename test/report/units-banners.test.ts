import { describe, expect, it } from 'vitest';
import type { ThresholdOutcome } from '../../src/core/index.ts';
import { buildVerdict, renderVerdictText } from '../../src/gate/index.ts';
import { renderHtmlReport, renderJson, renderJunit, renderMarkdown, renderVerdictWithUnits } from '../../src/report/index.ts';
import { formatThresholdActual } from '../../src/report/quantities.ts';
import { makeResult } from '../helpers/result-fixture.ts';

function outcome(metric: string, expression: string, actual: number): ThresholdOutcome {
  return { metric, expression, actual, ok: true, message: `${metric}: ${expression} (actual ${actual})` };
}

// The figures an SRE found bare in the "actual" column.
const THRESHOLDS = [
  outcome('campaign.welcome.drainTime', '< 60000', 2591),
  outcome('dispatcher.heap.max', '< 256MB', 152_715_264),
  outcome('dispatcher.rss', '< 512', 152_715_264),
  outcome('provider.alimtalk.maxPerSecondWindow', '<= 200', 199),
  outcome('http.errors', 'rate < 1%', 0.0035),
  outcome('campaign.lost', '== 0', 0),
  outcome('http.latency.p95', '< 200ms', 131.2),
  outcome('generator.cpuPercentMax', '< 90', 41.5),
];

describe('units on every figure', () => {
  it('formats each threshold actual with its unit', () => {
    expect(THRESHOLDS.map(formatThresholdActual)).toEqual([
      '2,591 ms',
      '145.6 MiB',
      '145.6 MiB',
      '199/s',
      '0.35%',
      '0 lost',
      '131 ms',
      '41.5%',
    ]);
  });

  it('prints no bare number in the actual column of HTML, Markdown, JUnit or JSON', async () => {
    const result = makeResult({ thresholds: THRESHOLDS });
    const html = await renderHtmlReport(result);
    const md = renderMarkdown(result);
    const junit = renderJunit(result);
    const json = JSON.parse(renderJson(result)) as { thresholds: { display: string }[] };
    for (const text of [html, md, junit]) {
      expect(text).toContain('2,591 ms');
      expect(text).toContain('145.6 MiB');
      expect(text).not.toMatch(/actual 2591\b|actual 152715264|152,715,264/);
    }
    expect(json.thresholds.map((t) => t.display)).toContain('145.6 MiB');
    // Markdown rows end with the actual value: it must carry a unit or a noun.
    const rows = md.split('\n').filter((l) => l.startsWith('| ✅ |') && l.split(' | ').length === 4);
    expect(rows).toHaveLength(THRESHOLDS.length);
    for (const row of rows) expect(row).toMatch(/\| [\d.,]+( ms| MiB|\/s|%| lost) \|$/);
  });

  it('prints the terminal verdict with units in the headline and the threshold lines', () => {
    const failed = {
      ...outcome('campaign.welcome.drainTime', '< 2000', 2591),
      ok: false,
      message: 'campaign.welcome.drainTime: < 2000 (actual 2591)',
    };
    const text = renderVerdictWithUnits(buildVerdict(makeResult({ thresholds: [failed, THRESHOLDS[1] as ThresholdOutcome] })));
    expect(text.split('\n')[0]).toMatch(/^FAIL: 1 of 2 thresholds failed: campaign\.welcome\.drainTime: < 2000 \(actual 2,591 ms\)/);
    expect(text).toContain('  FAIL campaign.welcome.drainTime: < 2000 (actual 2,591 ms)');
    expect(text).toContain('  ok   dispatcher.heap.max: < 256MB (actual 145.6 MiB)');
  });

  it('shows the dispatcher RSS key figure in MiB', () => {
    expect(renderMarkdown(makeResult())).toContain('| dispatcher RSS max | 114.4 MiB |');
  });
});

describe('DEGRADED and INVALID banners', () => {
  const degraded = makeResult({
    validity: { verdict: 'DEGRADED', reasons: ['event-loop lag p99 64 ms'] },
    thresholds: [outcome('campaign.lost', '== 0', 0)],
  });

  it('a DEGRADED pass is an amber banner naming DEGRADED, never green', async () => {
    const html = await renderHtmlReport(degraded);
    expect(html).toMatch(/<div class="banner degraded" id="verdict">PASS: .*DEGRADED run: event-loop lag p99 64 ms<\/div>/);
    expect(html).not.toContain('class="banner pass"');
    // The check line says DEGRADED, not ok.
    expect(html).toMatch(/<td><span class="warn">DEGRADED<\/span><\/td><td>run\.validity<\/td>/);
    const md = renderMarkdown(degraded);
    expect(md.split('\n')[0]).toMatch(/^### ⚠️ PASS: .* · DEGRADED run: /);
    expect(md).toContain('| ⚠️ | run.validity | run DEGRADED: event-loop lag p99 64 ms |');
    expect(renderVerdictText(buildVerdict(degraded))).toContain('  WARN run.validity: run DEGRADED');
  });

  it('a DEGRADED run that failed keeps its red banner and gets its own amber one', async () => {
    const failed = { ...degraded, thresholds: [{ ...outcome('campaign.lost', '== 0', 3), ok: false }] };
    const html = await renderHtmlReport(failed);
    expect(html).toContain('<div class="banner fail" id="verdict">FAIL: ');
    expect(html).toContain('<div class="banner degraded" id="validity">DEGRADED run: event-loop lag p99 64 ms</div>');
  });

  it('an INVALID run has its own banner, distinct from fail and degraded', async () => {
    const invalid = makeResult({ validity: { verdict: 'INVALID', reasons: ['target unreachable'] } });
    const html = await renderHtmlReport(invalid);
    expect(html).toMatch(/<div class="banner invalid" id="verdict">INVALID: /);
    expect(html).toMatch(/\.banner\.invalid \{ background: [^}]+\}/);
    expect(renderMarkdown(invalid).split('\n')[0]).toMatch(/^### ⛔ INVALID: /);
  });
});

describe('JUnit durations', () => {
  it('gives each test case the seconds it judges and each suite its time and hostname', () => {
    const result = makeResult({
      meta: { ...makeResult().meta, machine: { ...makeResult().meta.machine, hostname: 'ci-runner-7' } },
      thresholds: [outcome('campaign.welcome.drainTime', '< 60s', 21_000), outcome('dispatcher.rss.max', '< 256MB', 1)],
    });
    const xml = renderJunit(result);
    expect(xml).not.toContain('time="0"');
    expect(xml).toContain('<testcase classname="floodgate.thresholds" name="campaign.welcome.drainTime: &lt; 60s" time="21.000"');
    const suites = xml.match(/<testsuite [^>]+>/g) ?? [];
    expect(suites).toHaveLength(2);
    for (const s of suites) expect(s).toMatch(/ time="21\.000" timestamp="[^"]+" hostname="ci-runner-7"/);
  });
});
