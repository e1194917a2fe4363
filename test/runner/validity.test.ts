import { describe, expect, it } from 'vitest';
import { SCENARIO_DEFAULTS } from '../../src/config/index.ts';
import { assessValidity, type ValidityInputs } from '../../src/runner/validity.ts';

const tol = SCENARIO_DEFAULTS.tolerances;
const base: ValidityInputs = {
  intended: 10_000,
  dropped: 0,
  droppedBy: { inflight: 0, late: 0 },
  maxInFlight: 1000,
  scheduleLagP99: 1,
  eventLoopLagP99: 5,
  loopBusyMax: 0.4,
  aborted: false,
  warnings: [],
};

describe('assessValidity', () => {
  it.each<[string, Partial<ValidityInputs>, string, RegExp | null]>([
    ['a clean run', {}, 'VALID', null],
    ['lag above the degraded bound', { scheduleLagP99: 8 }, 'DEGRADED', /p99 schedule lag 8ms > 5ms/],
    ['lag above the invalid bound', { scheduleLagP99: 80 }, 'INVALID', /fell behind: p99 schedule lag 80ms > 50ms/],
    [
      'drops within tolerance',
      { dropped: 5, droppedBy: { inflight: 5, late: 0 } },
      'DEGRADED',
      /dropped 5 of 10000 arrivals \(0.05%.*5 found 1000 requests in flight/,
    ],
    ['drops beyond tolerance', { dropped: 500, droppedBy: { inflight: 0, late: 500 } }, 'INVALID', /500 came due more than 1000ms late/],
    ['a busy event loop', { eventLoopLagP99: 120 }, 'DEGRADED', /event loop was delayed/],
    ['a saturated event loop', { loopBusyMax: 0.99 }, 'DEGRADED', /event loop was busy 99%/],
    ['a failed scrape', { warnings: ['scrape failed 3 time(s): x'] }, 'DEGRADED', /scrape failed/],
    ['an abort', { aborted: true }, 'INVALID', /aborted/],
  ])('%s -> %s', (_name, over, verdict, reason) => {
    const v = assessValidity({ ...base, ...over }, tol);
    expect(v.verdict).toBe(verdict);
    if (reason) expect(v.reasons.join('\n')).toMatch(reason);
    else expect(v.reasons).toEqual([]);
  });
});
