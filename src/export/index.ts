/** Export and import for runs on other engines: k6 scripts and k6-operator TestRuns out, k6 summaries (one or every pod's) in. */

export type { K6ExportOptions } from './k6-export.ts';
export { renderK6Script, renderK6TestRun, toArrivalStages, toK6Duration, toK8sName } from './k6-export.ts';
export type { K6ImportOptions } from './k6-import.ts';
export { FLOODGATE_K6_METRICS, importK6Summary, K6_CO_NOTE } from './k6-import.ts';
export type { K6InputFile, K6StreamedSamples } from './k6-import-pods.ts';
export { importK6Run, mergedThresholds } from './k6-import-pods.ts';
export type { K6Bound, K6Pod, MergedK6 } from './k6-merge.ts';
export { checkOneRun, mergeK6Summaries } from './k6-merge.ts';
export type { K6SampleFormat, K6SampleRead, K6SampleReader } from './k6-samples.ts';
export { createK6SampleReader, detectK6SampleFormat, readK6Samples } from './k6-samples.ts';
export type { K6Metric, K6MetricType, K6Summary, K6SummaryFormat } from './k6-summary.ts';
export { parseK6Summary } from './k6-summary.ts';
export type { K6ThresholdMap } from './k6-thresholds.ts';
export { toK6Thresholds } from './k6-thresholds.ts';
