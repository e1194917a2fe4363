import { parseDuration, parsePercent } from '../core/index.ts';

/**
 * floodgate thresholds -> k6 thresholds. floodgate's grammar (src/gate/threshold-parser.ts) is
 * `[aggregate] comparator value[unit]` on a metric key; k6's is `aggregation operator value` on a
 * k6 metric (`p(95)<200`, `rate<0.01`, `count==0`, `value<=200`). This is a textual mapping,
 * never evaluated: anything without an exact k6 equivalent is left out and listed, so the
 * export never silently weakens a check.
 *
 * | floodgate key | k6 metric | k6 expression |
 * | --- | --- | --- |
 * | `http.latency[.raw][.pNN/avg/min/max/med]` | `http_req_duration` | `p(N)`/`avg`/... in ms (default p(95), as the gate) |
 * | `http.errors` as a share (`rate(errors)` or a `%`) | `http_req_failed` | `rate` |
 * | `http.requests` | `http_reqs` | `count` |
 * | `http.dropped` as a count | `dropped_iterations` | `count` |
 * | `provider.<name>.<field>` | `floodgate_<field>{provider:<name>}` | `count` (counters) or `value` (window maxima) |
 *
 * The provider metrics are floodgate's custom k6 metrics (FLOODGATE_K6_METRICS in k6-import.ts),
 * filled by the exported script's `teardown()` from the mock providers' admin API, and read back
 * by `floodgate import k6`.
 */
export interface K6ThresholdMap {
  /** k6 metric (or submetric) -> expressions. */
  thresholds: Record<string, string[]>;
  /** Provider custom metrics the script must declare and fill: metric name -> counter or gauge, with the providers. */
  providerMetrics: { metric: string; type: 'counter' | 'gauge'; field: string; provider: string }[];
  /** `key: expression` pairs with no k6 equivalent, each with the reason. */
  unmapped: { key: string; expression: string; reason: string }[];
}

const PROVIDER_METRICS: Record<string, { metric: string; type: 'counter' | 'gauge' }> = {
  admitted: { metric: 'floodgate_admitted', type: 'counter' },
  rejected: { metric: 'floodgate_rejected', type: 'counter' },
  duplicates: { metric: 'floodgate_duplicates', type: 'counter' },
  duplicateDeliveries: { metric: 'floodgate_duplicate_deliveries', type: 'counter' },
  maxPerSecondWindow: { metric: 'floodgate_max_per_second', type: 'gauge' },
  maxPerMinuteWindow: { metric: 'floodgate_max_per_minute', type: 'gauge' },
};

const EXPRESSION = /^\s*(?:(p\(\s*[\d.]+\s*\)|rate\(\s*[a-z_]+\s*\)|[a-z]+)\s*)?(<=|>=|==|!=|<|>)\s*([\d.,_]+)\s*([a-zA-Z%/]*)\s*$/;

interface Parsed {
  aggregate: string | undefined;
  op: string;
  number: number;
  unit: string;
  text: string;
}

function parse(expression: string): Parsed | undefined {
  const m = EXPRESSION.exec(expression);
  if (!m) return undefined;
  const number = Number((m[3] as string).replace(/[,_]/g, ''));
  if (!Number.isFinite(number)) return undefined;
  return { aggregate: m[1]?.replace(/\s+/g, ''), op: m[2] as string, number, unit: m[4] ?? '', text: `${m[3]}${m[4] ?? ''}` };
}

/** The bound in ms (a unitless number is ms, as in the gate). */
function toMs(p: Parsed): number {
  return p.unit === '' ? p.number : parseDuration(p.text);
}

/** Rounds to at most 6 decimals, so `0.01` stays `0.01` in the script. */
function num(n: number): string {
  return String(Math.round(n * 1e6) / 1e6);
}

const LATENCY_AGGREGATES: Record<string, string> = { avg: 'avg', mean: 'avg', min: 'min', max: 'max', med: 'med' };

function latency(keyAggregate: string | undefined, p: Parsed): string | undefined {
  const name = p.aggregate ?? keyAggregate;
  if (name === undefined) return `p(95)${p.op}${num(toMs(p))}`;
  const percentile = /^p\(([\d.]+)\)$/.exec(name) ?? /^p(\d+)$/.exec(name);
  if (percentile?.[1]) {
    const n = percentile[1] === '999' ? '99.9' : percentile[1];
    return `p(${n})${p.op}${num(toMs(p))}`;
  }
  const k6 = LATENCY_AGGREGATES[name];
  return k6 ? `${k6}${p.op}${num(toMs(p))}` : undefined;
}

function isShare(p: Parsed): boolean {
  return p.aggregate?.startsWith('rate') === true || p.unit === '%';
}

function share(p: Parsed): number {
  return p.unit === '%' ? parsePercent(p.text) : p.number;
}

/** Maps one `key: expression`; returns the k6 metric and expression, or why not. */
function mapOne(key: string, p: Parsed): { metric: string; expression: string } | { provider: string; field: string } | string {
  const parts = key.split('.');
  if (parts[0] === 'http') {
    if (parts[1] === 'latency') {
      const raw = parts[2] === 'raw';
      const inline = raw ? parts[3] : parts[2];
      if (parts.length > (raw ? 4 : 3)) return 'not a latency key';
      const e = latency(inline, p);
      // k6 measures from the actual send, so both the corrected and the raw latency map to http_req_duration.
      return e ? { metric: 'http_req_duration', expression: e } : `aggregate ${p.aggregate ?? inline} has no k6 trend equivalent`;
    }
    if (parts[1] === 'errors' && parts.length === 2) {
      return isShare(p)
        ? { metric: 'http_req_failed', expression: `rate${p.op}${num(share(p))}` }
        : 'a count of errors: k6 rates http_req_failed only as a share';
    }
    if (parts[1] === 'requests' && parts.length === 2) return { metric: 'http_reqs', expression: `count${p.op}${num(p.number)}` };
    if (parts[1] === 'dropped' && parts.length === 2) {
      return isShare(p)
        ? 'a share of dropped arrivals: k6 counts dropped_iterations only'
        : { metric: 'dropped_iterations', expression: `count${p.op}${num(p.number)}` };
    }
    return 'k6 does not report timeouts apart from other failures';
  }
  if (parts[0] === 'provider') {
    const field = parts[parts.length - 1] ?? '';
    if (parts.length !== 3 || !PROVIDER_METRICS[field]) return 'names no single provider (a sum over providers has no k6 metric)';
    return { provider: parts[1] as string, field };
  }
  if (parts[0] === 'campaign') return 'campaign figures come from the dispatcher and the mock ledgers, not from k6';
  if (parts[0] === 'sweep') return 'the USL fit is floodgate-only';
  if (parts[0] === 'generator') return "the generator's own health is floodgate-only";
  return 'a scraped Prometheus series: k6 does not scrape';
}

/** Maps a scenario's thresholds (as written in the file) to k6 thresholds. */
export function toK6Thresholds(spec: Readonly<Record<string, string | readonly string[]>>): K6ThresholdMap {
  const out: K6ThresholdMap = { thresholds: {}, providerMetrics: [], unmapped: [] };
  const add = (metric: string, expression: string) => {
    const list = out.thresholds[metric] ?? [];
    if (!list.includes(expression)) list.push(expression);
    out.thresholds[metric] = list;
  };
  for (const [key, value] of Object.entries(spec)) {
    for (const expression of typeof value === 'string' ? [value] : value) {
      const p = parse(expression);
      if (!p) {
        out.unmapped.push({ key, expression, reason: 'not in the form `[aggregate] comparator value`' });
        continue;
      }
      let mapped: ReturnType<typeof mapOne>;
      try {
        mapped = mapOne(key, p);
      } catch (error) {
        mapped = `its value cannot be read (${(error as Error).message})`;
      }
      if (typeof mapped === 'string') out.unmapped.push({ key, expression, reason: mapped });
      else if ('metric' in mapped) add(mapped.metric, mapped.expression);
      else {
        const { metric, type } = PROVIDER_METRICS[mapped.field] as { metric: string; type: 'counter' | 'gauge' };
        add(`${metric}{provider:${mapped.provider}}`, `${type === 'counter' ? 'count' : 'value'}${p.op}${num(p.number)}`);
        if (!out.providerMetrics.some((m) => m.metric === metric && m.provider === mapped.provider)) {
          out.providerMetrics.push({ metric, type, field: mapped.field, provider: mapped.provider });
        }
      }
    }
  }
  return out;
}
