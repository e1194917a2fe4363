import type { Result } from '../core/index.ts';
import { buildVerdict, type Comparison } from '../gate/index.ts';
import { buildKeyFigures } from './figures.ts';
import { describeThreshold, formatThresholdActual } from './quantities.ts';

/** Version of the JSON summary's own shape (separate from the result schema). */
export const SUMMARY_VERSION = 1;

/**
 * A machine-readable summary: the verdict, checks, thresholds, key figures and the comparison
 * (without its raw per-second samples). The full data stays in result.json; this is what a bot
 * posts or a dashboard ingests.
 */
export function renderJson(result: Result, comparison: Comparison | null = null): string {
  const verdict = buildVerdict(result, comparison);
  const summary = {
    summaryVersion: SUMMARY_VERSION,
    scenario: result.meta.scenario,
    tool: result.meta.tool,
    gitCommit: result.meta.gitCommit,
    startedAt: result.meta.startedAt,
    duration: result.meta.duration,
    validity: result.validity,
    verdict: {
      status: verdict.status,
      exitCode: verdict.exitCode,
      headline: verdict.headline,
      reasons: verdict.reasons,
      warnings: verdict.warnings,
    },
    checks: verdict.checks,
    // `display` is the actual value with its unit, as the other formats print it.
    thresholds: result.thresholds.map((t) => ({ ...t, display: formatThresholdActual(t), message: describeThreshold(t) })),
    figures: buildKeyFigures(result),
    comparison: comparison && {
      ...comparison,
      latency: comparison.latency && { ...comparison.latency, values: undefined },
    },
  };
  return `${JSON.stringify(summary, null, 2)}\n`;
}
