import hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../core/index.ts';

/**
 * A thin wrapper over hdr-histogram-js that fixes floodgate's conventions in one place:
 * values are recorded in microseconds from 1 us to 1 h with 3 significant digits (so any
 * reading is within 0.1% of the truth), read back in milliseconds, and serialised as
 * HdrHistogram V2 compressed base64 so results from many runs or machines merge exactly.
 */
export const HISTOGRAM_LOWEST_US = 1;
/** One hour in microseconds: anything slower is clamped (and is a timeout anyway). */
export const HISTOGRAM_HIGHEST_US = 3_600_000_000;
export const HISTOGRAM_SIGNIFICANT_DIGITS = 3;

/** A mergeable latency histogram in milliseconds. */
export interface LatencyHistogram {
  /** Records one latency in milliseconds (clamped to 1 us .. 1 h). */
  record(ms: number): void;
  /** Adds every value of another histogram. */
  merge(other: LatencyHistogram): void;
  /** The value at a percentile (0..100) in ms, or null when empty. */
  percentile(p: number): number | null;
  readonly count: number;
  /** Summary figures plus the encoded histogram. */
  toSummary(): LatencySummary;
  /** The underlying hdr histogram (for merging); not for general use. */
  readonly raw: hdr.Histogram;
}

function buildRaw(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: HISTOGRAM_LOWEST_US,
    highestTrackableValue: HISTOGRAM_HIGHEST_US,
    numberOfSignificantValueDigits: HISTOGRAM_SIGNIFICANT_DIGITS,
    // Plain 32-bit counts: packed arrays save memory but make every percentile read walk a
    // packed index (measured: 15% of the pacer's CPU); only a few histograms are open at once.
    bitBucketSize: 32,
    autoResize: false,
  });
}

function toMicros(ms: number): number {
  const us = Math.round(ms * 1000);
  if (!(us >= HISTOGRAM_LOWEST_US)) return HISTOGRAM_LOWEST_US;
  return Math.min(us, HISTOGRAM_HIGHEST_US);
}

/** hdr's JS histograms expose this; the shared interface does not declare it. */
interface JsLike {
  lowestEquivalentValue(value: number): number;
}

function ms(us: number): number {
  return Math.round(us) / 1000;
}

function wrap(raw: hdr.Histogram): LatencyHistogram {
  return {
    raw,
    get count() {
      return raw.totalCount;
    },
    record(value) {
      raw.recordValue(toMicros(value));
    },
    merge(other) {
      raw.add(other.raw);
    },
    percentile(p) {
      return raw.totalCount === 0 ? null : ms(raw.getValueAtPercentile(p));
    },
    toSummary() {
      if (raw.totalCount === 0) {
        return { count: 0, min: null, mean: null, p50: null, p90: null, p95: null, p99: null, p999: null, max: null };
      }
      const at = (p: number) => ms(raw.getValueAtPercentile(p));
      return {
        count: raw.totalCount,
        min: ms((raw as unknown as JsLike).lowestEquivalentValue(raw.minNonZeroValue)),
        mean: ms(raw.mean),
        p50: at(50),
        p90: at(90),
        p95: at(95),
        p99: at(99),
        p999: at(99.9),
        // The bucket's highest equivalent value, so a decoded or merged histogram reads the same.
        max: at(100),
        hdr: hdr.encodeIntoCompressedBase64(raw),
      };
    },
  };
}

/** Creates an empty latency histogram. */
export function createLatencyHistogram(): LatencyHistogram {
  return wrap(buildRaw());
}

/** Restores a histogram from a summary's `hdr` field (null when the summary has none). */
export function decodeLatencyHistogram(summary: LatencySummary): LatencyHistogram | null {
  if (summary.count === 0) return createLatencyHistogram();
  if (!summary.hdr) return null;
  const decoded = hdr.decodeFromCompressedBase64(summary.hdr, 32);
  const histogram = createLatencyHistogram();
  histogram.raw.add(decoded);
  return histogram;
}

/**
 * Merges summaries into one (e.g. the per-second timeline into a run, or several runs).
 * Exact when every summary carries its histogram; returns null when one does not.
 */
export function mergeLatencySummaries(summaries: readonly LatencySummary[]): LatencySummary | null {
  const total = createLatencyHistogram();
  for (const summary of summaries) {
    const histogram = decodeLatencyHistogram(summary);
    if (!histogram) return null;
    total.merge(histogram);
  }
  return total.toSummary();
}
