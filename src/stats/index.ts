/** Statistics: mergeable latency histograms. */

export type { LatencyHistogram } from './histogram.ts';
export {
  createLatencyHistogram,
  decodeLatencyHistogram,
  HISTOGRAM_HIGHEST_US,
  HISTOGRAM_LOWEST_US,
  HISTOGRAM_SIGNIFICANT_DIGITS,
  mergeLatencySummaries,
} from './histogram.ts';
