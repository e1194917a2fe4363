import type { Result } from '../core/index.ts';
import type { MetricRef, UnknownMetric } from './metrics.ts';

const COUNTS = ['sent', 'accepted', 'refused', 'unanswered', 'delivered', 'lost', 'duplicated'] as const;
const TIMES = ['latency.p50', 'latency.p95', 'latency.p99', 'latency.max'] as const;

/**
 * `phase[.<name>].<field>`: a tracked HTTP phase's messages (`track:` on a phase). Counts
 * (sent, accepted, refused, unanswered, delivered, lost, duplicated) sum over phases; latency to
 * delivery (`latency.p50/p95/p99/max`, request sent -> delivery recorded) is the worst phase's.
 */
export function resolvePhase(key: string, rest: string[]): MetricRef | UnknownMetric {
  const fields: string[] = [...COUNTS, ...TIMES];
  const candidates = fields.map((f) => `phase[.<name>].${f}`);
  const joined = rest.join('.');
  const field = fields.find((f) => joined === f || joined.endsWith(`.${f}`));
  if (!field) return { unknown: key, candidates };
  const name = joined === field ? undefined : joined.slice(0, joined.length - field.length - 1);
  const isTime = (TIMES as readonly string[]).includes(field);
  return {
    key,
    kind: isTime ? 'duration' : 'number',
    aggregates: [],
    read: (r: Result) => {
      const phases = (r.phases ?? []).filter((p) => name === undefined || p.name === name);
      if (phases.length === 0) return null;
      if (!isTime) return phases.reduce((n, p) => n + p[field as (typeof COUNTS)[number]], 0);
      const values = phases.map((p) => p.latency[field.slice('latency.'.length) as 'p50']);
      // Nothing delivered has no latency: any bound on it fails, saying so.
      return values.some((v) => v === null) ? null : Math.max(...(values as number[]));
    },
  };
}
