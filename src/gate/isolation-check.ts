import type { IsolationStats, LatencySummary, Result } from '../core/index.ts';
import type { Check } from './checks.ts';

const KEYS = ['p50', 'p95', 'p99', 'avg'] as const;

/**
 * The `isolation.<phase>` checks: a transactional phase must keep its budget while campaigns drain,
 * and (with `ratio`) not slow down by more than that factor against its latency alone. It never
 * holds over nothing: a phase with no request while a campaign drained, or none alone when a ratio
 * is stated, fails, saying which window was empty.
 */
export function isolationChecks(result: Result): Check[] {
  return (result.isolation ?? []).map(check);
}

function check(s: IsolationStats): Check {
  const id = `isolation.${s.phase}`;
  const during = s.duringCampaign;
  const fail = (actual: number | null, message: string): Check => ({ id, kind: 'isolation', status: 'fail', actual, message });
  if (during.count === 0)
    return fail(
      null,
      `${s.phase}: no request completed while a campaign drained, so its isolation was not measured (overlap the phase with the campaign)`,
    );
  const broken: string[] = [];
  for (const key of KEYS) {
    const bound = s.budget[key];
    const actual = read(during, key);
    if (bound !== undefined && (actual === null || actual > bound)) broken.push(`${key} ${fmt(actual)} during the campaign > ${bound}ms`);
  }
  const key = KEYS.find((k) => s.budget[k] !== undefined) ?? 'p95';
  const alone = read(s.alone, key);
  const factor = alone !== null && alone > 0 ? (read(during, key) ?? 0) / alone : null;
  if (s.ratio !== null) {
    if (s.alone.count === 0)
      broken.push('no request completed with no campaign running to compare with (start the campaign after a quiet window: `delay`)');
    else if (factor !== null && factor > s.ratio) broken.push(`${key} ${round(factor)}x its ${fmt(alone)} alone > ${s.ratio}x`);
  }
  const summary = `${key} ${fmt(alone)} alone, ${fmt(read(during, key))} while a campaign drained${factor === null ? '' : ` (${round(factor)}x)`}`;
  const actual = read(during, key);
  return broken.length > 0
    ? fail(actual, `${s.phase}: the campaign pushed the transactional phase out of its budget: ${broken.join('; ')}`)
    : {
        id,
        kind: 'isolation',
        status: 'pass',
        actual,
        message: `${s.phase}: ${summary}, within its budget${s.ratio === null ? '' : ` and ${s.ratio}x`}`,
      };
}

function read(l: LatencySummary, key: (typeof KEYS)[number]): number | null {
  return key === 'avg' ? l.mean : l[key];
}

function fmt(ms: number | null): string {
  return ms === null ? '-' : `${round(ms)}ms`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
