import { formatQuantity, type QuantityKind, type ThresholdOutcome } from '../core/index.ts';
import { parseThresholdExpression, resolveMetric } from '../gate/index.ts';

/** What a threshold's actual value measures: its kind and, for counts, what is counted. */
export interface Quantity {
  kind: QuantityKind;
  noun?: string;
}

const BYTES_SERIES = /rss|heap|memory|bytes/i;

/**
 * The unit of a threshold's actual value, from the metric (a duration metric is ms whatever the
 * bound says) and then the bound (`max < 256MB` on a series is a size). A plain count names what
 * it counts (`0 lost`), so no figure in a report is a bare number.
 */
export function thresholdQuantity(metric: string, expression: string): Quantity {
  const ref = resolveMetric(metric);
  const parsed = parseThresholdExpression(expression);
  const bound = 'kind' in parsed ? parsed.kind : 'number';
  const isRateAggregate = 'aggregate' in parsed && parsed.aggregate?.name === 'rate';
  const parts = metric.split('.');
  const field = parts[parts.length - 1] ?? metric;
  const refKind = 'kind' in ref ? ref.kind : 'any';
  if ('aggregate' in parsed && parsed.aggregate?.name === 'count') return { kind: 'count', noun: 'samples' };
  if (refKind === 'duration' || refKind === 'rate' || refKind === 'fraction' || refKind === 'size') return { kind: refKind };
  if (bound === 'duration' || bound === 'rate' || bound === 'fraction' || bound === 'size') return { kind: bound };
  if (isRateAggregate) return { kind: 'fraction' };
  if (metric === 'generator.cpuPercentMax') return { kind: 'percent' };
  if (field === 'maxPerSecondWindow') return { kind: 'rate' };
  if (field === 'maxPerMinuteWindow') return { kind: 'count', noun: 'in a sliding minute' };
  if (parts[0] === 'campaign') return { kind: 'count', noun: field === 'requested' || field === 'accepted' ? 'recipients' : field };
  if (parts[0] === 'provider' || parts[0] === 'http') return { kind: 'count', noun: field };
  if (BYTES_SERIES.test(metric)) return { kind: 'size' };
  return { kind: 'count' };
}

/** A threshold's actual value with its unit (`2,591 ms`, `145.6 MiB`), or `no value`. */
export function formatThresholdActual(t: Pick<ThresholdOutcome, 'metric' | 'expression' | 'actual'>): string {
  if (t.actual === null) return 'no value';
  const q = thresholdQuantity(t.metric, t.expression);
  return formatQuantity(t.actual, q.kind, q.noun);
}

/** A threshold's message with its actual value in units: `campaign.drainTime: < 60s (actual 2,591 ms)`. */
export function describeThreshold(t: ThresholdOutcome): string {
  const label = `${t.metric}: ${t.expression}`;
  return t.actual === null ? `${label} has no value in this result` : `${label} (actual ${formatThresholdActual(t)})`;
}
