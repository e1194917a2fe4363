/** The gate: threshold grammar, evaluation, verdicts. */

export type { CompareOptions, Comparison, CountDelta, EfficiencyDelta, LatencyDelta } from './baseline.ts';
export {
  COMPARE_DEFAULTS,
  checkComparable,
  checkSameScenario,
  compareWithBaseline,
  describeLatency,
  httpEfficiency,
  latencySamples,
  providerEfficiency,
} from './baseline.ts';
export type { Check } from './checks.ts';
export { buildChecks, declaredRejectionThreshold } from './checks.ts';
export { projectedFigureKey, readLatency, resolveMetric } from './metrics.ts';
export type { ProjectedValue } from './projected.ts';
export { evaluateProjectedThresholds } from './projected.ts';
export { parseResultText, readResultFile } from './result-file.ts';
export type { Comparator, ThresholdExpression, ValueKind } from './threshold-parser.ts';
export { compare, parseThresholdExpression } from './threshold-parser.ts';
export type { Threshold, ThresholdContext } from './thresholds.ts';
export { buildThresholds, evaluateThresholds } from './thresholds.ts';
export type { Verdict } from './verdict.ts';
export { buildVerdict, renderVerdictText, stampVerdict } from './verdict.ts';
