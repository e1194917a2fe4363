/** Statistics: mergeable latency histograms, Mann-Whitney U, bootstrap intervals. */

export type { BootstrapStatistic, RatioInterval } from './bootstrap.ts';
export { bootstrapRatio, DEFAULT_RESAMPLES } from './bootstrap.ts';
export type { LatencyHistogram } from './histogram.ts';
export {
  createLatencyHistogram,
  decodeLatencyHistogram,
  HISTOGRAM_HIGHEST_US,
  HISTOGRAM_LOWEST_US,
  HISTOGRAM_SIGNIFICANT_DIGITS,
  mergeLatencySummaries,
} from './histogram.ts';
export type { MannWhitneyResult } from './mann-whitney.ts';
export { mannWhitneyU } from './mann-whitney.ts';
