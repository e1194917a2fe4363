/** Export and import for runs on other engines: k6 summaries in (the k6 script export is to come). */

export type { K6ImportOptions } from './k6-import.ts';
export { FLOODGATE_K6_METRICS, importK6Summary, K6_CO_NOTE } from './k6-import.ts';
export type { K6Metric, K6MetricType, K6Summary, K6SummaryFormat } from './k6-summary.ts';
export { parseK6Summary } from './k6-summary.ts';
