import type { ThresholdOutcome } from '../core/index.ts';
import { parseThresholdExpression } from '../gate/index.ts';

/** The colour of a threshold rule: not the provider limit's red, not any series' colour. */
export const THRESHOLD_COLOR = '#bf3989';

/** One threshold bound to draw: its value in the chart's unit and a label naming it. */
export interface RuleValue {
  value: number;
  label: string;
  ok: boolean;
}

/**
 * The bounds of the thresholds `pick` selects, converted to the chart's unit by `scale` (e.g.
 * bytes to MiB). Unparseable expressions and bounds of another kind than `kinds` are left out.
 */
export function thresholdBounds(
  thresholds: readonly ThresholdOutcome[],
  pick: (t: ThresholdOutcome) => boolean,
  kinds: readonly string[],
  scale: (v: number) => number = (v) => v,
): RuleValue[] {
  const out: RuleValue[] = [];
  for (const t of thresholds) {
    if (!pick(t)) continue;
    const parsed = parseThresholdExpression(t.expression);
    if (!('kind' in parsed) || !kinds.includes(parsed.kind)) continue;
    out.push({ value: scale(parsed.value), label: `threshold ${t.metric} ${t.expression}${t.ok ? '' : ' (failed)'}`, ok: t.ok });
  }
  return out;
}

/**
 * A vega-lite layer drawing horizontal (`y`) or vertical (`x`) threshold rules with their labels,
 * its own data inline so it can sit over any line chart.
 */
export function ruleLayer(rules: readonly RuleValue[], axis: 'x' | 'y', width: number): unknown[] {
  if (rules.length === 0) return [];
  const values = rules.map((r) => ({ rule: r.value, label: r.label }));
  const position = { field: 'rule', type: 'quantitative' };
  return [
    {
      data: { values },
      mark: { type: 'rule', color: THRESHOLD_COLOR, strokeDash: [2, 3], strokeWidth: 2 },
      encoding: { [axis]: position },
    },
    {
      data: { values },
      mark:
        axis === 'y'
          ? { type: 'text', color: THRESHOLD_COLOR, align: 'right', baseline: 'bottom', dy: -3, fontSize: 11 }
          : // Left of a vertical rule, so the label stays inside the plot when the rule is at its right edge.
            { type: 'text', color: THRESHOLD_COLOR, align: 'right', baseline: 'top', dx: -4, y: 4, fontSize: 11 },
      encoding:
        axis === 'y' ? { y: position, x: { value: width - 4 }, text: { field: 'label' } } : { x: position, text: { field: 'label' } },
    },
  ];
}
