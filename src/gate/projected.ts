import type { ProjectedOutcome } from '../core/index.ts';
import { projectedFigureKey } from './metrics.ts';
import { compare } from './threshold-parser.ts';
import type { Threshold } from './thresholds.ts';

/** A projected value of one figure at one size (full size, the plan's horizon, its target). */
export interface ProjectedValue {
  label: string;
  recipients: number;
  value: number;
}

/**
 * Judges each `projected.*` threshold at every size `lookup` projects its figure to (a bound
 * must hold at the horizon as well as at full size). A figure with no projection (no run
 * carried it) fails, saying so, as a threshold over nothing does in a run.
 */
export function evaluateProjectedThresholds(
  thresholds: readonly Threshold[],
  lookup: (figure: string) => readonly ProjectedValue[] | null,
): ProjectedOutcome[] {
  return thresholds.flatMap(({ metric, expression }): ProjectedOutcome[] => {
    const figure = projectedFigureKey(metric);
    if (figure === null) return [];
    const values = lookup(figure);
    if (!values || values.length === 0) {
      const message = `${metric}: ${expression.source} has no projection (no run carried ${figure})`;
      return [{ metric, expression: expression.source, label: '-', recipients: 0, actual: null, ok: false, message }];
    }
    return values.map((v) => {
      const ok = Number.isFinite(v.value) && compare(v.value, expression.comparator, expression.value);
      const message = `${metric}: ${expression.source} at ${v.label} (${Math.round(v.recipients).toLocaleString('en-US')} recipients)`;
      return { metric, expression: expression.source, label: v.label, recipients: v.recipients, actual: v.value, ok, message };
    });
  });
}
