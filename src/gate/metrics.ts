import hdr from 'hdr-histogram-js';
import type { LatencySummary, Result } from '../core/index.ts';
import { resolvePhase } from './phase-metrics.ts';
import type { ThresholdExpression, ValueKind } from './threshold-parser.ts';

/**
 * The metrics a threshold can name, and how each is read from a {@link Result}. Keys:
 *
 * | key | kind | value | aggregates it takes |
 * | --- | --- | --- | --- |
 * | `http.latency[.raw]` (or `.p95`, `.max`, ... in the key) | duration | corrected (or raw) latency | p(N), avg, mean, min, max, med, count |
 * | `http.errors`, `http.timeouts`, `http.dropped` | count, or fraction with `rate` | of all requests | count, rate, rate(<the same name>) |
 * | `http.requests` | count | requests sent | count |
 * | `provider[.<name>].<field>` | count | admitted, rejected, duplicates, duplicateDeliveries, deduplicated, delivered, maxPerSecondWindow, maxPerMinuteWindow (all providers: sum, or max for windows) | none |
 * | `campaign[.<name>].<field>` | count or duration | requested, accepted, delivered, lost, duplicated (sum); drainTime, completion.p50/p95/p100 (max) | none |
 * | `campaign[.<name>].lateness.<p50/p95/p99/max>`, `.early` | duration, count | a campaign with `due:`: lateness (worst over campaigns), early (sum); no value when none was reached | none |
 * | `phase[.<name>].<field>` | count or duration | a tracked phase's sent, accepted, refused, unanswered, delivered, lost, duplicated (sum); latency.p50/p95/p99/max to delivery (max) | none |
 * | `sweep[.<name>].peak`, `.headroom` | rate, fraction | from the USL fit | none |
 * | `search[.<name>].rate`, `.headroom` | rate, fraction | the capacity search's answer (lowest over searches), against its `targetTps` | none |
 * | `generator.<field>` | duration or number | eventLoopLagP99, scheduleLagP99, cpuPercentMax | none |
 * | `<series>[.max/.min/.avg/.last]` | any | a scraped series by name, e.g. `dispatcher.rss.max` | max, min, avg, mean, last (one, in the key or the expression) |
 * | `projected.<series>[.max]`, `projected.campaign.<name>.drainTime` | any, duration | a figure projected by `floodgate project` (no value in one run's result) | none |
 */
export interface MetricRef {
  key: string;
  kind: ValueKind | 'any';
  /**
   * The aggregates this metric family accepts ({@link AGGREGATES_BY_FAMILY}); an expression with any
   * other is refused at load time, never read as something else (`sum` of a latency is not its p95).
   */
  aggregates: readonly AggregateName[];
  read(result: Result, expression: ThresholdExpression): number | null;
}

/** An aggregate as written: `p(N)` is `p`, `rate(x)` is `rate(x)`, `rate` alone is `rate`. */
export type AggregateName = string;

/**
 * Which aggregates each metric family takes: the validation table. A family not listed for an
 * aggregate refuses it with this list as the hint.
 */
export const AGGREGATES_BY_FAMILY = {
  /** Latency summaries: percentiles and the summary's own moments. */
  latency: ['p', 'avg', 'mean', 'min', 'max', 'med', 'count'],
  /** A share of requests: the count itself, or the rate of that very count. */
  requestCount: (field: string) => ['count', 'rate', `rate(${field})`],
  /** Plain counts and values computed once per run (providers, campaigns, sweeps, generator). */
  value: [],
  /** A scraped series over time. */
  series: ['max', 'min', 'avg', 'mean', 'last'],
} as const;

/** How an expression's aggregate is named in {@link AGGREGATES_BY_FAMILY}. */
export function aggregateName(aggregate: ThresholdExpression['aggregate']): AggregateName | undefined {
  if (!aggregate) return undefined;
  if (aggregate.name === 'rate' && aggregate.of !== undefined) return `rate(${aggregate.of})`;
  return aggregate.name;
}

const COUNT_FIELDS = ['admitted', 'rejected', 'duplicates', 'duplicateDeliveries', 'deduplicated', 'delivered'] as const;
const WINDOW_FIELDS = ['maxPerSecondWindow', 'maxPerMinuteWindow'] as const;
const PROVIDER_FIELDS = [...COUNT_FIELDS, ...WINDOW_FIELDS];
const CAMPAIGN_COUNTS = ['requested', 'accepted', 'delivered', 'lost', 'duplicated'] as const;
const CAMPAIGN_TIMES = ['drainTime', 'completion.p50', 'completion.p95', 'completion.p100'] as const;
/** A scheduled campaign's figures (`due:`): lateness percentiles (ms) and the early count. */
export const CAMPAIGN_LATENESS = ['lateness.p50', 'lateness.p95', 'lateness.p99', 'lateness.max', 'early'] as const;
const SERIES_AGGREGATES = ['max', 'min', 'avg', 'mean', 'last'] as const;

/** The metric roots a key may start with (for hints). */
export const METRIC_ROOTS = ['http', 'provider', 'campaign', 'sweep', 'generator', 'search', 'phase'] as const;

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
  if (root === 'search') return resolveSearch(key, parts.slice(1));
  if (root === 'phase') return resolvePhase(key, parts.slice(1));
  if (root === 'projected') return resolveProjected(key);
  if (root === 'generator') {
    const field = parts[1];
    const kinds: Record<string, ValueKind> = { eventLoopLagP99: 'duration', scheduleLagP99: 'duration', cpuPercentMax: 'number' };
    if (!field || !(field in kinds) || parts.length > 2)
      return { unknown: key, candidates: Object.keys(kinds).map((f) => `generator.${f}`) };
    return {
      key,
      kind: kinds[field] as ValueKind,
      aggregates: AGGREGATES_BY_FAMILY.value,
      read: (r) => r.generator[field as keyof Result['generator']],
    };
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
    // An aggregate in the key must be one latency takes (`http.latency.sum` once read the p95).
    const inline = aggregateFromKey(inlineAggregate);
    if (inline && !(AGGREGATES_BY_FAMILY.latency as readonly string[]).includes(inline.name)) {
      return {
        unknown: key,
        candidates: ['http.latency.p95', 'http.latency.p99', 'http.latency.avg', 'http.latency.max', 'http.latency.med'],
      };
    }
    return {
      key,
      kind: 'duration',
      // One aggregate: in the key (`http.latency.p95`) or in the expression, not both.
      aggregates: inline ? [] : AGGREGATES_BY_FAMILY.latency,
      read: (r, e) => readLatency(raw ? r.http.latencyRaw : r.http.latencyCorrected, e.aggregate ?? aggregateFromKey(inlineAggregate)),
    };
  }
  if (field === 'requests' && rest.length === 1) return { key, kind: 'number', aggregates: ['count'], read: (r) => r.http.requests };
  if (field && ['errors', 'timeouts', 'dropped'].includes(field) && rest.length === 1) {
    return {
      key,
      kind: 'any',
      aggregates: AGGREGATES_BY_FAMILY.requestCount(field),
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
    aggregates: AGGREGATES_BY_FAMILY.value,
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

/** A `campaign.*` key's campaign name (undefined: all campaigns) and field, or null when it names no campaign field. */
export function campaignField(key: string): { name: string | undefined; field: string } | null {
  const fields: string[] = [...CAMPAIGN_COUNTS, ...CAMPAIGN_TIMES, ...CAMPAIGN_LATENESS];
  const joined = key.split('.').slice(1).join('.');
  // The longest match: `lateness.p99` before a campaign named `lateness` with a field `p99` could ever be read.
  const field = fields.find((f) => joined === f) ?? fields.find((f) => joined.endsWith(`.${f}`));
  if (!key.startsWith('campaign.') || !field) return null;
  return { name: joined === field ? undefined : joined.slice(0, joined.length - field.length - 1), field };
}

function resolveCampaign(key: string, rest: string[]): MetricRef | UnknownMetric {
  const fields: string[] = [...CAMPAIGN_COUNTS, ...CAMPAIGN_TIMES, ...CAMPAIGN_LATENESS];
  const candidates = fields.map((f) => `campaign[.<name>].${f}`);
  const found = campaignField(`campaign.${rest.join('.')}`);
  if (!found) return { unknown: key, candidates };
  const { name, field } = found;
  if ((CAMPAIGN_LATENESS as readonly string[]).includes(field)) return latenessMetric(key, name, field);
  const isTime = (CAMPAIGN_TIMES as readonly string[]).includes(field);
  return {
    key,
    kind: isTime ? 'duration' : 'number',
    aggregates: AGGREGATES_BY_FAMILY.value,
    read: (r) => {
      const campaigns = name === undefined ? r.campaigns : r.campaigns.filter((c) => c.name === name);
      if (campaigns.length === 0) return null;
      // A campaign cut short by --fail-fast has no final lost count or drain time.
      if (campaigns.some((c) => c.stoppedEarly) && (isTime || field === 'lost' || field === 'delivered')) return null;
      if (!isTime) return sum(campaigns.map((c) => c[field as (typeof CAMPAIGN_COUNTS)[number]]));
      const times = campaigns.map((c) => (field === 'drainTime' ? c.drainTime : c.completion[field.slice('completion.'.length) as 'p50']));
      // A campaign that never drained has no drain time: it fails any upper bound.
      return times.some((t) => t === null) ? Number.POSITIVE_INFINITY : Math.max(...(times as number[]));
    },
  };
}

/**
 * A scheduled campaign's lateness or early count, over the named campaign or every campaign with due
 * times: the worst lateness, the early counts summed. No value (so any bound fails, saying so) when no
 * such campaign is in the result or one reached no recipient: a check over nothing never holds.
 */
function latenessMetric(key: string, name: string | undefined, field: string): MetricRef {
  return {
    key,
    kind: field === 'early' ? 'number' : 'duration',
    aggregates: AGGREGATES_BY_FAMILY.value,
    read: (r) => {
      const scheduled = r.campaigns.filter((c) => (name === undefined || c.name === name) && c.lateness !== undefined);
      const stats = scheduled.map((c) => c.lateness as NonNullable<(typeof c)['lateness']>);
      if (stats.length === 0 || stats.some((l) => l.reached === 0)) return null;
      if (field === 'early') return sum(stats.map((l) => l.early));
      const values = stats.map((l) => l[field.slice('lateness.'.length) as 'p50']);
      return values.some((v) => v === null) ? null : Math.max(...(values as number[]));
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
    aggregates: AGGREGATES_BY_FAMILY.value,
    read: (r) => {
      const sweeps = name === undefined ? r.sweeps : r.sweeps.filter((s) => s.name === name);
      const values = sweeps
        .map((s) => (field === 'peak' ? (s.peak ?? s.usl?.xPeak) : s.headroom))
        .filter((v): v is number => typeof v === 'number');
      return values.length === 0 ? null : Math.min(...values);
    },
  };
}

// A search with no answer (even `from` failed) has no value: any bound on it fails, saying so.
function resolveSearch(key: string, rest: string[]): MetricRef | UnknownMetric {
  const candidates = ['search[.<name>].rate', 'search[.<name>].headroom'];
  const field = rest[rest.length - 1];
  const name = rest.length === 2 ? rest[0] : undefined;
  if ((field !== 'rate' && field !== 'headroom') || rest.length > 2) return { unknown: key, candidates };
  return {
    key,
    kind: field === 'rate' ? 'rate' : 'fraction',
    aggregates: AGGREGATES_BY_FAMILY.value,
    read: (r) => {
      const searches = (r.searches ?? []).filter((s) => name === undefined || s.name === name);
      const values = searches.map((s) => s[field]);
      if (values.length === 0 || values.some((v) => v === null)) return null;
      return Math.min(...(values as number[]));
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
    // An aggregate in the key (`dispatcher.rss.max`) is the series' one; a second one in the expression is refused.
    aggregates: inline ? [] : AGGREGATES_BY_FAMILY.series,
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
  return { key, kind: figure.startsWith('campaign.') ? 'duration' : 'any', aggregates: AGGREGATES_BY_FAMILY.value, read: () => null };
}
