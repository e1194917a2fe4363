import type { Rng } from '../../src/core/index.ts';

/**
 * Full-jitter exponential backoff: a uniform delay in [0, min(max, base * 2^attempt)]
 * (Marc Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015): spreads
 * retries of a failed batch so they do not return together.
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, rng: Rng): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return rng.next() * ceiling;
}
