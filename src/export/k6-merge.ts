import { InputError } from '../core/index.ts';
import { FLOODGATE_K6_METRICS } from './k6-import.ts';
import { type K6Metric, type K6Summary, splitSubmetric } from './k6-summary.ts';

/**
 * Merging the end-of-test summaries of the pods of one k6-operator run (`parallelism: N`, each pod
 * a k6 instance running one execution segment) into one summary.
 *
 * What merges exactly, and how:
 * - counters: counts summed; the rate is the summed count over the run's wall window. k6-operator
 *   starts every pod together, so their runs overlap and the window is the longest pod's duration.
 * - rate metrics (`http_req_failed`, `checks`): passes and fails summed, the rate recomputed from them.
 * - trends: `count` summed, `min` the least, `max` the greatest, `avg` weighted by each pod's
 *   count (when every pod reports one). Percentiles (`med`, `p(N)`) do NOT merge from summaries:
 *   a percentile of the union lies between the least and the greatest of the pods' percentiles
 *   (the union's distribution is a weighted mean of theirs), so they are kept as such BOUNDS.
 * - gauges: the greatest pod's figure (a gauge is a level, not an amount).
 * - floodgate's provider and campaign metrics ({@link FLOODGATE_K6_METRICS}) are readings of the
 *   one shared mock ledger, not per-pod amounts: the greatest reading is kept, never the sum.
 */

/** One pod's parsed summary. */
export interface K6Pod {
  file: string;
  summary: K6Summary;
}

/** Where a figure that does not merge exactly lies. */
export interface K6Bound {
  low: number;
  high: number;
}

/** The pods merged into one summary, and which trend figures are only bounds. */
export interface MergedK6 {
  summary: K6Summary;
  /** metric key -> figure (`p(95)`, `med`, maybe `avg`) -> its bounds; the summary holds the upper one. */
  bounds: ReadonlyMap<string, Readonly<Record<string, K6Bound>>>;
  /** How the merge was done, for the result's validity reasons. */
  notes: string[];
}

const LEDGER_METRICS = new Set<string>([...Object.keys(FLOODGATE_K6_METRICS.provider), ...Object.keys(FLOODGATE_K6_METRICS.campaign)]);

/**
 * Refuses pods that are not one run of one script. A summary carries no script identity, so
 * this compares what each pod's script and arguments fix: the summary format, every threshold
 * (metric and expression) and the trend statistics k6 was asked for (`summaryTrendStats`).
 * The error names the file that differs from the first.
 */
export function checkOneRun(pods: readonly K6Pod[]): void {
  const [first, ...rest] = pods;
  if (!first) throw new InputError('FG_INPUT_INVALID', 'floodgate import k6: no end-of-test summary among the inputs');
  const base = describeRun(first.summary);
  for (const pod of rest) {
    const other = describeRun(pod.summary);
    for (const aspect of ['summary format', 'thresholds', 'trend statistics'] as const) {
      const diff = difference(other[aspect], base[aspect], first.file);
      if (diff)
        throw new InputError(
          'FG_INPUT_INVALID',
          `${pod.file}: not a pod of the same k6 run as ${first.file}: its ${aspect} ${aspect === 'summary format' ? 'differs' : 'differ'} ` +
            `(${diff}); merge only the pods of one TestRun`,
        );
    }
  }
}

/** What one pod has and the other lacks (a few of each), or undefined when they agree. */
function difference(mine: readonly string[], theirs: readonly string[], theirFile: string): string | undefined {
  const only = (a: readonly string[], b: readonly string[]) => a.filter((x) => !b.includes(x));
  const extra = only(mine, theirs);
  const missing = only(theirs, mine);
  if (extra.length === 0 && missing.length === 0) return undefined;
  const few = (xs: string[]) => xs.slice(0, 3).join('; ') + (xs.length > 3 ? `; ${xs.length - 3} more` : '');
  const parts = [extra.length > 0 ? `has ${few(extra)}` : '', missing.length > 0 ? `lacks ${few(missing)} of ${theirFile}` : ''];
  return parts.filter(Boolean).join(', ');
}

function describeRun(summary: K6Summary): Record<'summary format' | 'thresholds' | 'trend statistics', string[]> {
  const thresholds: string[] = [];
  for (const [name, metric] of summary.metrics)
    for (const expression of Object.keys(metric.thresholds)) thresholds.push(`${name}: ${expression}`);
  // summaryTrendStats fixes which figures every trend carries; http_req_duration is the trend every HTTP test has.
  const trend = summary.metrics.get('http_req_duration') ?? [...summary.metrics.values()].find((m) => m.type === 'trend');
  return {
    'summary format': [summary.format],
    thresholds: thresholds.sort(),
    'trend statistics': trend ? Object.keys(trend.values).sort() : [],
  };
}

/** Merges the summaries of one run's pods (checked with {@link checkOneRun} first). */
export function mergeK6Summaries(pods: readonly K6Pod[]): MergedK6 {
  checkOneRun(pods);
  const durations = pods.map((p) => p.summary.durationMs).filter((d): d is number => d !== null);
  const durationMs = durations.length > 0 ? Math.max(...durations) : null;
  const keys = new Set(pods.flatMap((p) => [...p.summary.metrics.keys()]));
  const metrics = new Map<string, K6Metric>();
  const bounds = new Map<string, Record<string, K6Bound>>();
  for (const key of keys) {
    const present = pods.flatMap((p) => {
      const metric = p.summary.metrics.get(key);
      return metric ? [{ pod: p, metric }] : [];
    });
    const type = present[0]?.metric.type ?? 'gauge';
    const mismatch = present.find((x) => x.metric.type !== type);
    if (mismatch)
      throw new InputError(
        'FG_INPUT_INVALID',
        `${mismatch.pod.file}: metric ${key} is a ${mismatch.metric.type} but a ${type} in ${present[0]?.pod.file}: not the same k6 script`,
      );
    const values = present.map((x) => ({ values: x.metric.values, pod: x.pod }));
    const merged = mergeMetric(key, type, values, durationMs);
    metrics.set(key, { type, values: merged.values, thresholds: { ...present[0]?.metric.thresholds } });
    if (merged.bounds && Object.keys(merged.bounds).length > 0) bounds.set(key, merged.bounds);
  }
  const window = durationMs === null ? 'unknown' : `${Math.round(durationMs) / 1000} s`;
  const notes = [
    `merged ${pods.length} k6 pods (${pods.map((p) => p.file).join(', ')}): counts summed; rates are the summed counts over the run's wall window, ` +
      `taken as the longest pod's duration (${window}) since k6-operator starts every pod together; error rates recomputed from the summed passes and fails`,
  ];
  if ([...keys].some((k) => LEDGER_METRICS.has(splitSubmetric(k).name)))
    notes.push(
      "floodgate provider and campaign figures are readings of the shared mock ledger: the greatest pod's reading is kept, not the sum",
    );
  return { summary: { format: pods[0]?.summary.format ?? 'handle-summary', metrics, durationMs }, bounds, notes };
}

type Figures = Readonly<Record<string, number>>;

function mergeMetric(
  key: string,
  type: K6Metric['type'],
  pods: readonly { values: Figures; pod: K6Pod }[],
  durationMs: number | null,
): { values: Record<string, number>; bounds?: Record<string, K6Bound> } {
  const sum = (k: string) => pods.reduce((a, p) => a + (p.values[k] ?? 0), 0);
  const all = (k: string) => pods.map((p) => p.values[k]).filter((v): v is number => v !== undefined);
  const most = (k: string) => (all(k).length > 0 ? Math.max(...all(k)) : undefined);
  if (pods.length === 1) return { values: { ...pods[0]?.values } };
  if (type === 'counter' && LEDGER_METRICS.has(splitSubmetric(key).name)) return { values: definedOnly({ count: most('count') }) };
  if (type === 'counter') {
    const count = sum('count');
    return { values: { count, rate: durationMs ? count / (durationMs / 1000) : 0 } };
  }
  if (type === 'rate') {
    const passes = sum('passes');
    const fails = sum('fails');
    return { values: { passes, fails, rate: passes + fails > 0 ? passes / (passes + fails) : 0 } };
  }
  if (type === 'gauge') return { values: definedOnly({ value: most('value'), min: least(all('min')), max: most('max') }) };
  return mergeTrend(key, pods);
}

/** Trends: see the module comment. The summary gets each bounded figure's upper bound (conservative for `<`). */
function mergeTrend(key: string, pods: readonly { values: Figures; pod: K6Pod }[]) {
  const values: Record<string, number> = {};
  const bounds: Record<string, K6Bound> = {};
  const stats = new Set(pods.flatMap((p) => Object.keys(p.values)));
  const counts = pods.map((p) => p.values.count ?? podRequests(key, p.pod));
  const known = counts.every((c): c is number => c !== undefined);
  for (const stat of stats) {
    const all = pods.map((p) => p.values[stat]).filter((v): v is number => v !== undefined);
    if (all.length === 0) continue;
    if (stat === 'min') values.min = least(all) as number;
    else if (stat === 'max') values.max = Math.max(...all);
    else if (stat === 'count') values.count = all.reduce((a, b) => a + b, 0);
    else if (stat === 'avg' && known && all.length === pods.length) {
      const total = counts.reduce((a, b) => a + b, 0);
      values.avg = total > 0 ? pods.reduce((a, p, i) => a + (p.values.avg ?? 0) * (counts[i] ?? 0), 0) / total : 0;
    } else {
      bounds[stat] = { low: least(all) as number, high: Math.max(...all) };
      values[stat] = Math.max(...all);
    }
  }
  if (values.count === undefined && known) values.count = counts.reduce((a, b) => a + b, 0);
  return { values, bounds };
}

/** `http_req_duration` records one sample per request, so a pod's `http_reqs` count is its count. */
function podRequests(key: string, pod: K6Pod): number | undefined {
  if (key !== 'http_req_duration') return undefined;
  return pod.summary.metrics.get('http_reqs')?.values.count;
}

function least(values: readonly number[]): number | undefined {
  return values.length > 0 ? Math.min(...values) : undefined;
}

function definedOnly(record: Record<string, number | undefined>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).filter((e): e is [string, number] => e[1] !== undefined));
}
