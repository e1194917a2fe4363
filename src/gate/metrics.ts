import hdr from 'hdr-histogram-js';
import type { LatencySummary, Result } from '../core/index.ts';
import type { ThresholdExpression, ValueKind } from './threshold-parser.ts';

/**
 * The metrics a threshold can name, and how each is read from a {@link Result}. Keys:
 *
 * | key | kind | value |
 * | --- | --- | --- |
 * | `http.latency[.raw]` + p(N)/avg/min/max/med | duration | corrected (or raw) latency |
 * | `http.errors`, `http.timeouts`, `http.dropped` | count, or fraction with `rate` | of all requests |
 * | `http.requests` | count | requests sent |
 * | `provider[.<name>].<field>` | count | admitted, rejected, duplicates, duplicateDeliveries, deduplicated, delivered, maxPerSecondWindow, maxPerMinuteWindow (all providers: sum, or max for windows) |
 * | `campaign[.<name>].<field>` | count or duration | requested, accepted, delivered, lost, duplicated (sum); drainTime, completion.p50/p95/p100 (max) |
 * | `sweep[.<name>].peak`, `.headroom` | rate, fraction | from the USL fit |
 * | `generator.<field>` | duration or number | eventLoopLagP99, scheduleLagP99, cpuPercentMax |
 * | `<series>[.max/.min/.avg/.last]` | any | a scraped series by name, e.g. `dispatcher.rss.max` |
 * | `projected.<series>[.max]`, `projected.campaign.<name>.drainTime` | any, duration | a figure projected by `floodgate project` (no value in one run's result) |
 */
export interface MetricRef {
  key: string;
  kind: ValueKind | 'any';
  read(result: Result, expression: ThresholdExpression): number | null;
}

const COUNT_FIELDS = ['admitted', 'rejected', 'duplicates', 'duplicateDeliveries', 'deduplicated', 'delivered'] as const;
const WINDOW_FIELDS = ['maxPerSecondWindow', 'maxPerMinuteWindow'] as const;
const PROVIDER_FIELDS = [...COUNT_FIELDS, ...WINDOW_FIELDS];
const CAMPAIGN_COUNTS = ['requested', 'accepted', 'delivered', 'lost', 'duplicated'] as const;
const CAMPAIGN_TIMES = ['drainTime', 'completion.p50', 'completion.p95', 'completion.p100'] as const;
const SERIES_AGGREGATES = ['max', 'min', 'avg', 'mean', 'last'] as const;

/** The metric roots a key may start with (for hints). */
export const METRIC_ROOTS = ['http', 'provider', 'campaign', 'sweep', 'generator'] as const;

/** Describes why a key cannot be resolved, with a list of what would be. */
export interface UnknownMetric {
  unknown: string;
  candidates: string[];
}

/** Resolves a metric key to a reader; unknown keys under a known root are refused with candidates. */
export function resolveMetric(key: string): MetricRef | UnknownMetric {
  const parts = key.split('.');
  const root = parts[0];
  if (root === 'http') return resolveHttp(key, parts.slice(1));
  if (root === 'provider') return resolveProvider(key, parts.slice(1));
  if (root === 'campaign') return resolveCampaign(key, parts.slice(1));
  if (root === 'sweep') return resolveSweep(key, parts.slice(1));
  if (root === 'projected') return resolveProjected(key);
  if (root === 'generator') {
    const field = parts[1];
    const kinds: Record<string, ValueKind> = { eventLoopLagP99: 'duration', scheduleLagP99: 'duration', cpuPercentMax: 'number' };
    if (!field || !(field in kinds) || parts.length > 2)
      return { unknown: key, candidates: Object.keys(kinds).map((f) => `generator.${f}`) };
    return { key, kind: kinds[field] as ValueKind, read: (r) => r.generator[field as keyof Result['generator']] };
  }
  return resolveSeries(key);
}

function resolveHttp(key: string, rest: string[]): MetricRef | UnknownMetric {
  const candidates = ['http.latency', 'http.latency.raw', 'http.errors', 'http.timeouts', 'http.dropped', 'http.requests'];
  const [field, sub, extra] = rest;
  if (field === 'latency') {
    const raw = sub === 'raw';
    const inlineAggregate = raw ? extra : sub;
    if ((raw && rest.length > 3) || (!raw && rest.length > 2)) return { unknown: key, candidates };
    return {
      key,
      kind: 'duration',
      read: (r, e) => readLatency(raw ? r.http.latencyRaw : r.http.latencyCorrected, e.aggregate ?? aggregateFromKey(inlineAggregate)),
    };
  }
  if (field === 'requests' && rest.length === 1) return { key, kind: 'number', read: (r) => r.http.requests };
  if (field && ['errors', 'timeouts', 'dropped'].includes(field) && rest.length === 1) {
    return {
      key,
      kind: 'any',
      read: (r, e) => {
        const n = field === 'errors' ? sum(Object.values(r.http.errors)) : field === 'timeouts' ? r.http.timeouts : r.http.dropped;
        // A rate over no requests has no value (the threshold then fails, saying so): never 0%, which would hold over nothing.
        return e.aggregate?.name === 'rate' || e.kind === 'fraction' ? (r.http.requests === 0 ? null : n / r.http.requests) : n;
      },
    };
  }
  return { unknown: key, candidates };
}

function resolveProvider(key: string, rest: string[]): MetricRef | UnknownMetric {
  const candidates = PROVIDER_FIELDS.map((f) => `provider.<name>.${f}`);
  const field = rest[rest.length - 1];
  const name = rest.length === 2 ? rest[0] : undefined;
  if (!field || rest.length > 2 || !(PROVIDER_FIELDS as readonly string[]).includes(field)) return { unknown: key, candidates };
  const isWindow = (WINDOW_FIELDS as readonly string[]).includes(field);
  return {
    key,
    kind: 'number',
    read: (r) => {
      const stats = name === undefined ? Object.values(r.providers) : r.providers[name] ? [r.providers[name]] : [];
      if (stats.length === 0) return null;
      const read = stats.map((s) => s[field as (typeof PROVIDER_FIELDS)[number]]);
      // `deduplicated` and `delivered` are absent from results older than them: no value, not 0.
      if (read.some((v) => v === undefined)) return null;
      const values = read as number[];
      return isWindow ? Math.max(...values) : sum(values);
    },
  };
}

function resolveCampaign(key: string, rest: string[]): MetricRef | UnknownMetric {
  const fields: string[] = [...CAMPAIGN_COUNTS, ...CAMPAIGN_TIMES];
  const candidates = fields.map((f) => `campaign[.<name>].${f}`);
  const joined = rest.join('.');
  const field = fields.find((f) => joined === f || joined.endsWith(`.${f}`));
  if (!field) return { unknown: key, candidates };
  const name = joined === field ? undefined : joined.slice(0, joined.length - field.length - 1);
  const isTime = (CAMPAIGN_TIMES as readonly string[]).includes(field);
  return {
    key,
    kind: isTime ? 'duration' : 'number',
    read: (r) => {
      const campaigns = name === undefined ? r.campaigns : r.campaigns.filter((c) => c.name === name);
      if (campaigns.length === 0) return null;
      if (!isTime) return sum(campaigns.map((c) => c[field as (typeof CAMPAIGN_COUNTS)[number]]));
      const times = campaigns.map((c) => (field === 'drainTime' ? c.drainTime : c.completion[field.slice('completion.'.length) as 'p50']));
      // A campaign that never drained has no drain time: it fails any upper bound.
      return times.some((t) => t === null) ? Number.POSITIVE_INFINITY : Math.max(...(times as number[]));
    },
  };
}

function resolveSweep(key: string, rest: string[]): MetricRef | UnknownMetric {
  const candidates = ['sweep[.<name>].peak', 'sweep[.<name>].headroom'];
  const field = rest[rest.length - 1];
  const name = rest.length === 2 ? rest[0] : undefined;
  if ((field !== 'peak' && field !== 'headroom') || rest.length > 2) return { unknown: key, candidates };
  return {
    key,
    kind: field === 'peak' ? 'rate' : 'fraction',
    read: (r) => {
      const sweeps = name === undefined ? r.sweeps : r.sweeps.filter((s) => s.name === name);
      const values = sweeps
        .map((s) => (field === 'peak' ? (s.peak ?? s.usl?.xPeak) : s.headroom))
        .filter((v): v is number => typeof v === 'number');
      return values.length === 0 ? null : Math.min(...values);
    },
  };
}

/** The series a key names: `dispatcher.rss.max` -> `dispatcher.rss` (a trailing aggregate dropped). */
export function seriesName(key: string): string {
  const parts = key.split('.');
  const last = parts[parts.length - 1] ?? '';
  return (SERIES_AGGREGATES as readonly string[]).includes(last) ? parts.slice(0, -1).join('.') : key;
}

function resolveSeries(key: string): MetricRef {
  const parts = key.split('.');
  const last = parts[parts.length - 1] ?? '';
  const inline = (SERIES_AGGREGATES as readonly string[]).includes(last) ? last : undefined;
  const name = seriesName(key);
  return {
    key,
    kind: 'any',
    read: (r, e) => {
      const points = r.series.filter((s) => s.name === name).flatMap((s) => s.points.map((p) => p[1]));
      if (points.length === 0) return null;
      const agg = e.aggregate?.name ?? inline ?? 'max';
      if (agg === 'min') return Math.min(...points);
      if (agg === 'avg' || agg === 'mean') return sum(points) / points.length;
      if (agg === 'last') return points[points.length - 1] ?? null;
      return Math.max(...points);
    },
  };
}

function aggregateFromKey(segment: string | undefined): ThresholdExpression['aggregate'] {
  if (!segment) return undefined;
  const p = /^p(\d+(?:\.\d+)?)$/.exec(segment);
  if (p?.[1]) return { name: 'p', percentile: Number(p[1] === '999' ? 99.9 : p[1]) };
  return { name: segment };
}

/** Reads a latency aggregate; percentiles beyond the summary's come from its HdrHistogram. */
export function readLatency(summary: LatencySummary, aggregate: ThresholdExpression['aggregate']): number | null {
  if (summary.count === 0) return null;
  const name = aggregate?.name ?? 'p';
  if (name === 'avg' || name === 'mean') return summary.mean;
  if (name === 'min') return summary.min;
  if (name === 'max') return summary.max;
  if (name === 'count') return summary.count;
  const percentile = name === 'med' ? 50 : (aggregate?.percentile ?? 95);
  const known: Record<number, number | null> = { 50: summary.p50, 90: summary.p90, 95: summary.p95, 99: summary.p99, 99.9: summary.p999 };
  if (percentile in known) return known[percentile] ?? null;
  if (!summary.hdr) return null;
  const histogram = hdr.decodeFromCompressedBase64(summary.hdr);
  try {
    return histogram.getValueAtPercentile(percentile) / 1000;
  } finally {
    histogram.destroy();
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/**
 * The figure a `projected.*` key names, as `floodgate project` keys its fits: a series' peak
 * (`dispatcher.heap.max`) or a campaign's drain time (`campaign.<name>.drainTime`); null for
 * anything else (only peaks and drain times are fitted against recipients).
 */
export function projectedFigureKey(key: string): string | null {
  if (!key.startsWith('projected.')) return null;
  const inner = key.slice('projected.'.length);
  const parts = inner.split('.');
  if (parts[0] === 'campaign') return parts.length >= 3 && inner.endsWith('.drainTime') ? inner : null;
  if ((METRIC_ROOTS as readonly string[]).includes(parts[0] ?? '') || parts.length < 2) return null;
  const last = parts[parts.length - 1] ?? '';
  if ((SERIES_AGGREGATES as readonly string[]).includes(last) && last !== 'max') return null;
  return `${seriesName(inner)}.max`;
}

function resolveProjected(key: string): MetricRef | UnknownMetric {
  const figure = projectedFigureKey(key);
  if (figure === null) return { unknown: key, candidates: ['projected.<monitor>.<series>[.max]', 'projected.campaign.<name>.drainTime'] };
  // One run's result carries no projection: `floodgate project` evaluates these on its fits.
  return { key, kind: figure.startsWith('campaign.') ? 'duration' : 'any', read: () => null };
}
