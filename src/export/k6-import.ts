import { createHash } from 'node:crypto';
import type { CampaignStats, LatencySummary, ProviderStats, Result, ThresholdOutcome } from '../core/index.ts';
import { isProviderKind, PENDING_VERDICT, PROVIDERS, RESULT_SCHEMA_VERSION } from '../core/index.ts';
import { stampVerdict } from '../gate/index.ts';
import { type K6Metric, type K6Summary, parseK6Summary, splitSubmetric } from './k6-summary.ts';

/**
 * Custom k6 metrics a floodgate-exported script may add so that provider and campaign figures
 * survive a distributed run. Each is a k6 `Counter` (or `Gauge` where noted) tagged with the
 * provider or campaign it counts; k6 writes a tagged submetric such as
 * `floodgate_duplicates{provider:alimtalk}` into its summary only when the script declares a
 * threshold on it, so the script declares one per name (`count>=0` suffices). An untagged metric
 * with no tagged submetrics is read as one entry named `default`.
 *
 * The script fills them in `teardown()` from the mock providers' ledgers (`/__mock/...`), the
 * same numbers `floodgate run` reads.
 */
export const FLOODGATE_K6_METRICS = {
  provider: {
    floodgate_admitted: 'admitted',
    floodgate_rejected: 'rejected',
    floodgate_duplicates: 'duplicates',
    floodgate_duplicate_deliveries: 'duplicateDeliveries',
    /** Gauge: the largest count admitted in any sliding 1 s window. */
    floodgate_max_per_second: 'maxPerSecondWindow',
    /** Gauge: the largest count admitted in any sliding 60 s window. */
    floodgate_max_per_minute: 'maxPerMinuteWindow',
  },
  campaign: {
    floodgate_requested: 'requested',
    floodgate_accepted: 'accepted',
    floodgate_delivered: 'delivered',
    floodgate_lost: 'lost',
    floodgate_duplicated: 'duplicated',
    /** Gauge, ms: from the campaign request to its last delivery. */
    floodgate_drain_time: 'drainTime',
  },
} as const;

/** What the caller knows that the summary does not (the import itself stays pure). */
export interface K6ImportOptions {
  /** The summary file's path, for messages and `meta.scenario.file`. */
  file: string;
  /** `meta.scenario.name`; defaults to the file's base name. */
  scenario?: string;
  toolVersion: string;
  /** When the k6 test ended (e.g. the summary file's mtime): k6's summary carries no timestamps. */
  endedAt: Date;
}

/** The note every imported result carries: what k6 measures is not what `floodgate run` measures. */
export const K6_CO_NOTE =
  'k6 latencies are not corrected for coordinated omission: latencyCorrected repeats k6 http_req_duration measured from the actual send';

/**
 * Turns the text of a k6 end-of-test summary (either format, see {@link parseK6Summary}) into a
 * floodgate {@link Result} the gate reads. Mapping:
 * - `http_reqs.count` -> `http.requests`; `http_req_failed.passes` (the failed requests) ->
 *   `http.errors.http_failed`, and `completed` is the rest; k6 counts timeouts as failures, so
 *   `http.timeouts` is 0.
 * - `http_req_duration` trend -> `http.latencyRaw` and, equal to it, `http.latencyCorrected`
 *   (with {@link K6_CO_NOTE} in the validity reasons); no HdrHistogram, so percentiles beyond
 *   k6's `summaryTrendStats` read as no value.
 * - `dropped_iterations.count` -> `http.dropped` (a floodgate-exported script sends one request
 *   per iteration); any drop makes the run DEGRADED as the generator fell behind its schedule.
 * - k6's own thresholds -> `thresholds` (metric `k6.<name>`) and the verdict.
 * - {@link FLOODGATE_K6_METRICS} -> `providers` and `campaigns`; empty without them.
 */
export function importK6Summary(text: string, options: K6ImportOptions): Result {
  const summary = parseK6Summary(text, options.file);
  return buildK6Result(summary, { ...options, hash: sha256(text), format: summary.format });
}

/** What {@link buildK6Result} needs beyond the summary; the merge of several pods fills the optional parts. */
export interface K6ResultInput extends K6ImportOptions {
  /** `sha256:...` of the input text(s). */
  hash: string;
  format: K6Summary['format'];
  /** Replaces the latency read from the summary's `http_req_duration` trend (e.g. an exact histogram). */
  latency?: LatencySummary;
  /** Replaces the outcomes read from the summary's threshold booleans (a merge re-evaluates them). */
  thresholds?: ThresholdOutcome[];
  /** Said first among the validity reasons after {@link K6_CO_NOTE} (how pods were merged). */
  notes?: string[];
}

/** `sha256:<hex>` of a text, the form `meta.scenario.hash` records. */
export function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/**
 * The one mapping from a (possibly merged) k6 summary to a floodgate {@link Result}, stamped by
 * the gate's own function so `import k6` and `floodgate gate` agree.
 */
export function buildK6Result(summary: K6Summary, input: K6ResultInput): Result {
  const m = summary.metrics;
  const durationMs = summary.durationMs ?? 0;
  const requests = Math.round(m.get('http_reqs')?.values.count ?? 0);
  const failed = Math.round(m.get('http_req_failed')?.values.passes ?? 0);
  const dropped = Math.round(m.get('dropped_iterations')?.values.count ?? 0);
  const latency = input.latency ?? toLatency(m.get('http_req_duration'), requests);
  const thresholds = input.thresholds ?? k6Thresholds(m);
  const providers = toProviders(m);
  const campaigns = toCampaigns(m);

  const source = input.format === 'summary-export' ? 'k6 --summary-export' : 'k6 handleSummary()';
  const reasons = [K6_CO_NOTE, `imported from ${source}`, ...(input.notes ?? [])];
  if (summary.durationMs === null) reasons.push('the summary has no duration and no counter to derive it from: duration recorded as 0');
  if (!m.has('http_req_failed') && requests > 0)
    reasons.push('the summary has no http_req_failed metric (k6 before v0.31): failures are unknown and recorded as 0');
  if (dropped > 0) reasons.push(`k6 dropped ${dropped} iterations: the load generator fell behind the intended arrival rate`);
  reasons.push(...providers.gaps);
  const invalid = requests === 0 && providers.names.length === 0 && campaigns.length === 0;
  if (invalid) reasons.push('the k6 summary records no HTTP requests');

  const endedAt = input.endedAt.getTime();
  const draft: Result = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    meta: {
      tool: { name: 'floodgate', version: input.toolVersion },
      gitCommit: null,
      scenario: { name: input.scenario ?? baseName(input.file), file: input.file, hash: input.hash },
      scale: 1,
      startedAt: new Date(endedAt - durationMs).toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      duration: durationMs,
      aborted: false,
      // The run happened on k6's machines, which the summary does not describe.
      machine: { hostname: 'k6', platform: 'unknown', arch: 'unknown', cpus: 0, cpuModel: 'unknown', memory: 0, node: 'none' },
      target: { kind: 'k6', url: null },
    },
    validity: { verdict: invalid ? 'INVALID' : 'DEGRADED', reasons },
    timeline: [],
    http: {
      requests,
      completed: Math.max(0, requests - failed),
      dropped,
      timeouts: 0,
      errors: failed > 0 ? { http_failed: failed } : {},
      latencyCorrected: latency,
      latencyRaw: { ...latency },
    },
    providers: providers.stats,
    campaigns,
    sweeps: [],
    series: [],
    generator: { eventLoopLagP99: null, cpuPercentMax: null, scheduleLagP99: null },
    thresholds,
    verdict: PENDING_VERDICT,
  };
  // The gate decides, as for `floodgate run`: an imported result and `floodgate gate` on it agree.
  return stampVerdict(draft);
}

/** k6 trend figures are already in milliseconds for time metrics (`contains: "time"`). */
function toLatency(trend: K6Metric | undefined, requests: number): LatencySummary {
  const v = trend?.values ?? {};
  const pick = (...keys: string[]) => {
    for (const k of keys) if (v[k] !== undefined) return v[k];
    return null;
  };
  // `count` is in the trend only if summaryTrendStats asked for it; every request records one sample.
  const count = trend ? Math.round(v.count ?? requests) : 0;
  return {
    count,
    min: pick('min'),
    mean: pick('avg'),
    p50: pick('med', 'p(50)'),
    p90: pick('p(90)'),
    p95: pick('p(95)'),
    p99: pick('p(99)'),
    p999: pick('p(99.9)'),
    max: pick('max'),
  };
}

/** k6's thresholds with the figure each one compared, when the expression names one k6 reported. */
function k6Thresholds(metrics: ReadonlyMap<string, K6Metric>): ThresholdOutcome[] {
  const out: ThresholdOutcome[] = [];
  for (const [name, metric] of metrics) {
    for (const [expression, ok] of Object.entries(metric.thresholds)) {
      // k6's threshold grammar: `<aggregation> <op> <value>`, e.g. `p(95)<500`, `rate<0.01`.
      const aggregation = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)/.exec(expression)?.[1];
      // The legacy export's `value` of a rate metric is read here as `rate` (see k6-summary.ts).
      const key = aggregation === 'value' && metric.type === 'rate' ? 'rate' : aggregation;
      const figure = key === undefined ? undefined : metric.values[key];
      const actual = figure ?? null;
      const shown = actual === null ? '' : ` (actual ${Math.round(actual * 1000) / 1000})`;
      out.push({
        metric: `k6.${name}`,
        expression,
        actual,
        ok,
        message: `k6 threshold ${name}: ${expression} ${ok ? 'held' : 'failed'}${shown}`,
      });
    }
  }
  return out;
}

/** Groups `floodgate_*` metrics by their tag value: `{ alimtalk: { duplicates: 3 } }`. */
function collect(metrics: ReadonlyMap<string, K6Metric>, names: Readonly<Record<string, string>>, tagKey: string) {
  const tagged = new Map<string, Record<string, number>>();
  const untagged: Record<string, number> = {};
  for (const [key, metric] of metrics) {
    const { name, tag } = splitSubmetric(key);
    const field = names[name];
    if (!field) continue;
    const value = metric.type === 'gauge' ? metric.values.value : metric.values.count;
    if (value === undefined) continue;
    if (tag?.key === tagKey) {
      const entry = tagged.get(tag.value) ?? {};
      entry[field] = value;
      tagged.set(tag.value, entry);
    } else if (!tag) untagged[field] = value;
  }
  if (tagged.size === 0 && Object.keys(untagged).length > 0) tagged.set('default', untagged);
  return tagged;
}

function toProviders(metrics: ReadonlyMap<string, K6Metric>) {
  const stats: Record<string, ProviderStats> = {};
  const gaps: string[] = [];
  for (const [name, f] of collect(metrics, FLOODGATE_K6_METRICS.provider, 'provider')) {
    const int = (field: string) => Math.round(f[field] ?? 0);
    for (const field of ['maxPerSecondWindow', 'maxPerMinuteWindow'])
      if (f[field] === undefined) gaps.push(`provider ${name}: the k6 script reported no ${field}; recorded as 0`);
    stats[name] = {
      kind: isProviderKind(name) ? name : 'other',
      limitPerSecond: null,
      unit: isProviderKind(name) ? PROVIDERS[name].unit : 'requests',
      admitted: int('admitted'),
      rejected: int('rejected'),
      maxPerSecondWindow: int('maxPerSecondWindow'),
      maxPerMinuteWindow: int('maxPerMinuteWindow'),
      perSecond: [],
      duplicates: int('duplicates'),
      duplicateDeliveries: int('duplicateDeliveries'),
      deliveriesPerRecipient: {},
      offenders: [],
      callbacks: null,
    };
  }
  return { stats, names: Object.keys(stats), gaps };
}

function toCampaigns(metrics: ReadonlyMap<string, K6Metric>): CampaignStats[] {
  return [...collect(metrics, FLOODGATE_K6_METRICS.campaign, 'campaign')].map(([name, f]) => {
    const int = (field: string) => Math.round(f[field] ?? 0);
    return {
      name,
      channel: 'unknown',
      provider: 'unknown',
      requested: int('requested'),
      accepted: int('accepted'),
      delivered: int('delivered'),
      lost: int('lost'),
      duplicated: int('duplicated'),
      drainTime: f.drainTime ?? null,
      deadline: null,
      completion: { p50: null, p95: null, p100: f.drainTime ?? null },
      curve: [],
      backlog: [],
    };
  });
}

/** A scenario name from a path: its base name without `.json`. */
export function baseName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.json$/i, '') || 'k6';
}
