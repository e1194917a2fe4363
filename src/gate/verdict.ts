import { ExitCode, formatPercent, type Result, type ThresholdOutcome } from '../core/index.ts';
import type { Comparison } from './baseline.ts';
import { buildChecks, type Check } from './checks.ts';

/** The gate's decision: one headline, then the details behind it. */
export interface Verdict {
  status: 'pass' | 'fail' | 'regression' | 'invalid';
  exitCode: ExitCode;
  /** One line, first thing printed: `FAIL: ...`. */
  headline: string;
  /** Every reason, most important first; empty on a clean pass. */
  reasons: string[];
  warnings: string[];
  checks: Check[];
  thresholds: ThresholdOutcome[];
  comparison: Comparison | null;
}

/**
 * Decides a verdict. Precedence follows what a reader can trust: an INVALID run says nothing
 * about the system (3), then failed thresholds or correctness checks (1), then a regression
 * against the baseline (2), else pass (0). Exit codes are ARCHITECTURE.md's contract.
 */
export function buildVerdict(result: Result, comparison: Comparison | null = null): Verdict {
  const checks = buildChecks(result);
  const thresholds = result.thresholds;
  const failedThresholds = thresholds.filter((t) => !t.ok);
  const failedChecks = checks.filter((c) => c.status === 'fail' && c.kind !== 'validity');
  const warnings = [...(comparison?.warnings ?? [])];
  if (result.validity.verdict === 'DEGRADED') warnings.push(`run DEGRADED: ${result.validity.reasons.join('; ') || 'no reason given'}`);
  if (result.meta.aborted) warnings.push('the run was aborted before its end');
  const base = { warnings, checks, thresholds, comparison };
  const scope = `${result.meta.scenario.name}, ${Math.round(result.meta.duration / 1000)} s`;
  if (result.validity.verdict === 'INVALID') {
    const reasons = result.validity.reasons.length > 0 ? result.validity.reasons : ['no reason given'];
    return {
      ...base,
      status: 'invalid',
      exitCode: ExitCode.RunInvalid,
      headline: `INVALID: the run cannot be trusted: ${reasons.join('; ')} (${scope})`,
      reasons,
    };
  }
  if (failedThresholds.length > 0 || failedChecks.length > 0) {
    const regressions = (comparison?.reasons ?? []).map((r) => `regression against ${comparison?.baseline.label}: ${r}`);
    const reasons = [...failedChecks.map((c) => c.message), ...failedThresholds.map((t) => t.message), ...regressions];
    const counts = [
      failedChecks.length > 0 ? `${failedChecks.length} of ${checks.filter((c) => c.status !== 'skip').length - 1} correctness checks` : '',
      failedThresholds.length > 0 ? `${failedThresholds.length} of ${thresholds.length} thresholds` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return {
      ...base,
      status: 'fail',
      exitCode: ExitCode.ThresholdsFailed,
      headline: `FAIL: ${counts} failed: ${reasons[0]} (${scope})`,
      reasons,
    };
  }
  if (comparison?.regressed) {
    const reasons = comparison.reasons;
    return {
      ...base,
      status: 'regression',
      exitCode: ExitCode.Regression,
      headline: `REGRESSION against ${comparison.baseline.label}: ${reasons[0]} (${scope})`,
      reasons,
    };
  }
  const verified = checks.filter((c) => c.status === 'pass' && c.kind !== 'validity').length;
  const skipped = checks.filter((c) => c.status === 'skip').length;
  if (verified === 0 && thresholds.length === 0) {
    const reasons = ['nothing was verified: no correctness check held over anything and the scenario has no thresholds'];
    return { ...base, status: 'invalid', exitCode: ExitCode.RunInvalid, headline: `INVALID: ${reasons[0]} (${scope})`, reasons };
  }
  const held = `${thresholds.length} threshold${thresholds.length === 1 ? '' : 's'} and ${verified} check${verified === 1 ? '' : 's'} held, ${skipped} skipped`;
  const against = comparison ? `; no regression against ${comparison.baseline.label}` : '';
  return { ...base, status: 'pass', exitCode: ExitCode.Pass, headline: `PASS: ${held}${against} (${scope})`, reasons: [] };
}

/** The verdict as text for a terminal: the headline, then reasons, warnings and the checks. */
export function renderVerdictText(verdict: Verdict): string {
  const lines = [verdict.headline];
  if (verdict.reasons.length > 1) lines.push('', 'Reasons:', ...verdict.reasons.map((r) => `  - ${r}`));
  if (verdict.warnings.length > 0) lines.push('', 'Warnings:', ...verdict.warnings.map((w) => `  ! ${w}`));
  // A DEGRADED run passes its validity check but must not read as `ok`.
  const checkMark = (c: Check) => (c.kind === 'validity' && c.message.startsWith('run DEGRADED') ? 'WARN' : mark(c.status));
  lines.push('', 'Checks:', ...verdict.checks.map((c) => `  ${checkMark(c)} ${c.id}: ${c.message}`));
  if (verdict.thresholds.length > 0)
    lines.push('', 'Thresholds:', ...verdict.thresholds.map((t) => `  ${mark(t.ok ? 'pass' : 'fail')} ${t.message}`));
  const c = verdict.comparison;
  if (c) {
    lines.push(
      '',
      `Against ${c.baseline.label} (${c.baseline.startedAt}, floodgate ${c.baseline.toolVersion}; alpha ${c.options.alpha}, noise ${c.options.noise * 100}%):`,
    );
    for (const d of c.counts) lines.push(`  ${mark(d.regressed ? 'fail' : 'pass')} ${d.metric}: ${d.baseline ?? '-'} -> ${d.candidate}`);
    for (const e of c.efficiency)
      lines.push(
        `  ${mark(e.regressed ? 'fail' : 'pass')} ${e.metric}: ${formatPercent(e.baseline, 1)} -> ${formatPercent(e.candidate, 1)}`,
      );
    if (c.latency) {
      const l = c.latency;
      lines.push(
        `  ${mark(l.regressed ? 'fail' : 'pass')} ${l.metric}: median ${round(l.baselineMedian)} -> ${round(l.candidateMedian)} ms, ratio ${round(l.ratio.estimate)} (${Math.round(l.ratio.confidence * 100)}% CI ${round(l.ratio.lower)}..${round(l.ratio.upper)}), Mann-Whitney p=${l.test.p.toPrecision(3)} (${l.test.method}, n=${l.samples.baseline}/${l.samples.candidate})`,
      );
    }
    for (const n of c.notes) lines.push(`  note: ${n}`);
  }
  return `${lines.join('\n')}\n`;
}

function mark(status: 'pass' | 'fail' | 'skip'): string {
  return status === 'pass' ? 'ok  ' : status === 'fail' ? 'FAIL' : 'skip';
}
function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * The result with its `verdict` replaced by the gate's own (thresholds, correctness checks and
 * validity; no baseline), so the verdict stored in result.json is what `floodgate gate` says of it.
 */
export function stampVerdict(result: Result): Result {
  const v = buildVerdict(result);
  const status = v.status === 'regression' ? 'fail' : v.status;
  return { ...result, verdict: { status, exitCode: v.exitCode, reasons: v.reasons } };
}
