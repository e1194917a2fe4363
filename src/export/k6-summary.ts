import { z } from 'zod';
import { InputError, zodIssues } from '../core/index.ts';

/**
 * k6's end-of-test summary, read from either of its two JSON shapes and normalised to one.
 *
 * 1. `k6 run --summary-export=summary.json` (the legacy export, kept by k6 for compatibility):
 *    `{ root_group, metrics }`, each metric's figures directly on it (`http_reqs: { count, rate }`),
 *    rate metrics carry `value` instead of `rate`, and a threshold maps to a boolean that is
 *    `true` when the threshold FAILED (grafana/k6#1498, documented as unintuitive in k6-docs#30).
 * 2. `handleSummary(data)` with `JSON.stringify(data)`: `{ root_group, options, state, metrics }`,
 *    each metric `{ type, contains, values: {...}, thresholds?: { expr: { ok } } }`, and
 *    `state.testRunDurationMs`.
 *
 * In both, a rate metric's `passes` counts its non-zero samples: for `http_req_failed` that is
 * the number of FAILED requests (k6 prints it as `✓ passes ✗ fails`).
 */

/** Which of k6's summary formats a file was in. */
export type K6SummaryFormat = 'summary-export' | 'handle-summary';

/** k6's four metric types. */
export type K6MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

/** One metric (or submetric, e.g. `http_req_duration{expected_response:true}`), normalised. */
export interface K6Metric {
  type: K6MetricType;
  /** Figures by k6's own names: `count`, `rate`, `passes`, `fails`, `value`, `avg`, `p(95)`, ... */
  values: Readonly<Record<string, number>>;
  /** Threshold expression -> whether it held. */
  thresholds: Readonly<Record<string, boolean>>;
}

/** A k6 summary in one shape whichever file it came from. */
export interface K6Summary {
  format: K6SummaryFormat;
  metrics: ReadonlyMap<string, K6Metric>;
  /** The test's duration: k6's own figure, or derived from a counter's rate (see {@link deriveDurationMs}). */
  durationMs: number | null;
}

const Figures = z.record(z.string(), z.unknown());

const HandleSummaryMetric = z.object({
  type: z.enum(['counter', 'gauge', 'rate', 'trend']),
  values: z.record(z.string(), z.number()),
  thresholds: z.record(z.string(), z.object({ ok: z.boolean() })).optional(),
});

const HandleSummary = z.object({
  root_group: z.looseObject({}),
  options: z.looseObject({}),
  state: z.looseObject({ testRunDurationMs: z.number().nonnegative() }),
  metrics: z.record(z.string(), HandleSummaryMetric),
});

const SummaryExport = z.object({
  root_group: z.looseObject({}),
  metrics: z.record(z.string(), Figures),
});

const WRONG_FILE_HINT =
  'expected the JSON written by `k6 run --summary-export=FILE` or by `handleSummary(data)` returning JSON.stringify(data)';

/**
 * Parses the text of a k6 summary file. Anything that is not one of the two documented shapes is
 * refused with an {@link InputError} (exit 4) that names the file and says what was expected.
 */
export function parseK6Summary(text: string, file: string): K6Summary {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const ndjson = text.trimStart().startsWith('{"type":"Metric"') || text.trimStart().startsWith('{"metric"');
    const hint = ndjson ? ' (this looks like `k6 run --out json=...`, a stream of samples, not the end-of-test summary)' : '';
    throw new InputError('FG_CONFIG_SYNTAX', `${file}: not valid JSON: ${(error as Error).message}${hint}`, {
      issues: [{ path: [], message: `should be ${WRONG_FILE_HINT.replace(/^expected /, '')}`, location: { file } }],
    });
  }
  const refusal = explainRefusal(json);
  if (refusal === undefined) {
    const asHandle = HandleSummary.safeParse(json);
    if (asHandle.success) return fromHandleSummary(asHandle.data);
    const asExport = SummaryExport.safeParse(json);
    if (asExport.success && !('state' in (json as object))) return fromSummaryExport(asExport.data.metrics, file);
    const issues = zodIssues(asHandle.error?.issues ?? [], { locate: () => ({ file }) }).slice(0, 5);
    throw new InputError('FG_INPUT_INVALID', `${file}: not a k6 end-of-test summary (${WRONG_FILE_HINT})`, { issues });
  }
  throw new InputError('FG_INPUT_INVALID', `${file}: not a k6 end-of-test summary: ${refusal} (${WRONG_FILE_HINT})`);
}

/** Names the commonest wrong files, so the message says what the file is rather than what it lacks. */
function explainRefusal(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'the top level is not a JSON object';
  const o = json as Record<string, unknown>;
  const meta = o.meta as { tool?: { name?: unknown } } | undefined;
  if ('schemaVersion' in o && meta?.tool?.name === 'floodgate') return 'it is already a floodgate result (gate it directly)';
  if (o.type === 'Metric' || o.type === 'Point') return 'it is one line of `k6 run --out json=...`, not the end-of-test summary';
  if (!('metrics' in o)) return 'it has no `metrics` object';
  if (!('root_group' in o)) return 'it has no `root_group` object';
  return undefined;
}

function fromHandleSummary(data: z.infer<typeof HandleSummary>): K6Summary {
  const metrics = new Map<string, K6Metric>();
  for (const [name, m] of Object.entries(data.metrics)) {
    const thresholds = Object.fromEntries(Object.entries(m.thresholds ?? {}).map(([expr, t]) => [expr, t.ok]));
    metrics.set(name, { type: m.type, values: m.values, thresholds });
  }
  return { format: 'handle-summary', metrics, durationMs: data.state.testRunDurationMs };
}

function fromSummaryExport(raw: Record<string, Record<string, unknown>>, file: string): K6Summary {
  const metrics = new Map<string, K6Metric>();
  for (const [name, figures] of Object.entries(raw)) {
    const values: Record<string, number> = {};
    const thresholds: Record<string, boolean> = {};
    for (const [key, v] of Object.entries(figures)) {
      if (key === 'thresholds' && typeof v === 'object' && v !== null) {
        // The legacy export's boolean is true when the threshold failed (grafana/k6#1498).
        for (const [expr, failed] of Object.entries(v)) thresholds[expr] = failed !== true;
      } else if (typeof v === 'number') values[key] = v;
      else throw new InputError('FG_INPUT_INVALID', `${file}: metrics.${name}.${key} is not a number (k6 summary export)`);
    }
    const type = inferType(values);
    // The legacy export names a rate metric's ratio `value`; the handleSummary shape calls it `rate`.
    if (type === 'rate' && values.value !== undefined && values.rate === undefined) {
      values.rate = values.value;
      delete values.value;
    }
    metrics.set(name, { type, values, thresholds });
  }
  return { format: 'summary-export', metrics, durationMs: deriveDurationMs(metrics) };
}

/** The legacy export omits the metric type: each type has its own set of figures. */
function inferType(values: Record<string, number>): K6MetricType {
  if ('passes' in values || 'fails' in values) return 'rate';
  if ('count' in values && 'rate' in values) return 'counter';
  if ('avg' in values || 'med' in values) return 'trend';
  return 'gauge';
}

/**
 * The legacy export has no duration. k6 computes a counter's `rate` as `count / testRunDuration`
 * (k6 `metrics/sink.go`, `CounterSink.Format`), so `count / rate` recovers the duration to the precision
 * k6 printed. Uses the first counter with a non-zero rate, preferring `http_reqs` and `iterations`.
 */
export function deriveDurationMs(metrics: ReadonlyMap<string, K6Metric>): number | null {
  const names = ['http_reqs', 'iterations', ...metrics.keys()];
  for (const name of names) {
    const m = metrics.get(name);
    const count = m?.values.count;
    const rate = m?.values.rate;
    if (m?.type === 'counter' && count !== undefined && rate !== undefined && rate > 0) return Math.round((count / rate) * 1000);
  }
  return null;
}

/** Splits `name{tag:value}` into its metric name and tag (k6's submetric syntax). */
export function splitSubmetric(key: string): { name: string; tag?: { key: string; value: string } } {
  const m = /^([^{]+)\{\s*([^:}]+?)\s*:\s*([^}]*?)\s*\}$/.exec(key);
  if (!m?.[1] || m[2] === undefined || m[3] === undefined) return { name: key };
  return { name: m[1], tag: { key: m[2], value: m[3] } };
}
