import type { Result } from '../core/index.ts';
import { formatChange, formatCount, formatFigure, formatPercent } from '../core/index.ts';
import { buildVerdict, type Comparison, describeLatency, type Verdict } from '../gate/index.ts';
import { buildBanner, checkDisplayStatus } from './banner.ts';
import { buildKeyFigures } from './figures.ts';
import { formatThresholdActual } from './quantities.ts';

const ICON: Record<Verdict['status'], string> = { pass: '✅', fail: '❌', regression: '🔺', invalid: '⛔' };
const CHECK_ICON = { pass: '✅', fail: '❌', skip: '➖', warn: '⚠️' } as const;

/** Escapes text for a Markdown table cell (pipes, newlines) and inline code-free rendering. */
export function escapeCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- |').join('')}`, ...rows.map((r) => `| ${r.map(escapeCell).join(' | ')} |`)];
}

/**
 * A PR-comment-sized summary: the verdict line first, then key figures, thresholds, correctness
 * checks and the baseline comparison. GitHub renders it in `$GITHUB_STEP_SUMMARY` and comments.
 */
export function renderMarkdown(result: Result, comparison: Comparison | null = null): string {
  const verdict = buildVerdict(result, comparison);
  const m = result.meta;
  const banner = buildBanner(result, verdict);
  const icon = banner.kind === 'degraded' ? '⚠️' : ICON[verdict.status];
  const lines = [
    `### ${icon} ${banner.headline}`,
    ...(banner.degraded ? ['', `**⚠️ ${escapeCell(banner.degraded)}**`] : []),
    '',
    `**${m.scenario.name}** · floodgate ${m.tool.version}${m.gitCommit ? ` · \`${m.gitCommit.slice(0, 10)}\`` : ''} · started ${m.startedAt} · scale ${m.scale} · run ${result.validity.verdict}`,
  ];
  if (verdict.reasons.length > 1) lines.push('', ...verdict.reasons.map((r) => `- ${escapeCell(r)}`));
  const warnings = verdict.warnings.filter((w) => !w.startsWith('run DEGRADED'));
  if (warnings.length > 0) lines.push('', ...warnings.map((w) => `> ⚠️ ${escapeCell(w)}`));
  const figures = buildKeyFigures(result);
  if (figures.length > 0)
    lines.push(
      '',
      '#### Key figures',
      '',
      ...table(
        ['', ''],
        figures.map((f) => [f.label, f.value]),
      ),
    );
  if (result.thresholds.length > 0) {
    lines.push(
      '',
      '#### Thresholds',
      '',
      ...table(
        ['', 'metric', 'expression', 'actual'],
        result.thresholds.map((t) => [t.ok ? '✅' : '❌', t.metric, t.expression, formatThresholdActual(t)]),
      ),
    );
  }
  lines.push(
    '',
    '#### Correctness',
    '',
    ...table(
      ['', 'check', 'result'],
      verdict.checks.map((c) => [CHECK_ICON[checkDisplayStatus(c)], c.id, c.message]),
    ),
  );
  if (comparison) lines.push('', ...renderComparison(comparison));
  return `${lines.join('\n')}\n`;
}

function renderComparison(c: Comparison): string[] {
  const rows: string[][] = [];
  for (const d of c.counts) {
    if (d.candidate === 0 && (d.baseline ?? 0) === 0) continue;
    rows.push([
      d.regressed ? '🔺' : '✅',
      d.metric,
      d.baseline === null ? '-' : formatCount(d.baseline),
      formatCount(d.candidate),
      d.regressed ? 'worse' : '',
    ]);
  }
  for (const e of c.efficiency)
    rows.push([e.regressed ? '🔺' : '✅', e.metric, formatPercent(e.baseline, 1), formatPercent(e.candidate, 1), formatChange(e.change)]);
  if (c.latency) {
    const l = c.latency;
    rows.push([
      l.regressed ? '🔺' : '✅',
      `${l.metric} (median of ${l.samples.candidate} s)`,
      `${formatFigure(l.baselineMedian, 1)} ms`,
      `${formatFigure(l.candidateMedian, 1)} ms`,
      `${formatChange(l.ratio.estimate - 1)} (CI ${formatChange(l.ratio.lower - 1)}..${formatChange(l.ratio.upper - 1)}, p=${l.test.p.toPrecision(2)})`,
    ]);
  }
  const out = [
    `#### Against ${escapeCell(c.baseline.label)}`,
    '',
    `Baseline started ${c.baseline.startedAt} (floodgate ${c.baseline.toolVersion}); a regression needs p < ${c.options.alpha} and a change beyond ${formatPercent(c.options.noise, 0)}; counts compare strictly.`,
    '',
    ...table(['', 'metric', 'baseline', 'this run', 'change'], rows),
  ];
  if (c.latency && !c.latency.regressed && c.latency.significant)
    out.push('', `Latency differs significantly but within the noise threshold: ${describeLatency(c.latency)}.`);
  for (const n of c.notes) out.push('', `_${escapeCell(n)}_`);
  return out;
}
