/** The gate: threshold grammar, evaluation, verdicts. */

export { readLatency, resolveMetric } from './metrics.ts';
export type { Comparator, ThresholdExpression, ValueKind } from './threshold-parser.ts';
export { compare, parseThresholdExpression } from './threshold-parser.ts';
export type { Threshold, ThresholdContext } from './thresholds.ts';
export { buildThresholds, evaluateThresholds, parseThresholds } from './thresholds.ts';
