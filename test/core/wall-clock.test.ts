import { describe, expect, it } from 'vitest';
import { createWallClock } from '../../src/core/clock.ts';

/**
 * A machine whose wall clock parts from its monotonic timer: `trueWall(mono)` is the real time when
 * the monotonic timer reads `mono`; `Date.now()` is that, truncated to the millisecond.
 */
function machine(trueWall: (mono: number) => number) {
  let mono = 0;
  const clock = createWallClock({ wall: () => Math.floor(trueWall(mono)), monotonic: () => mono, origin: trueWall(0) });
  return {
    clock,
    at(m: number) {
      mono = m;
    },
  };
}

const ORIGIN = 1_764_000_000_123.456;

/** Readings every `step` ms for `minutes` minutes: the worst |reading - true time| and whether it ever went back. */
function sweep(trueWall: (mono: number) => number, minutes: number, step = 37.3) {
  const m = machine(trueWall);
  let worst = 0;
  let back = false;
  let previous = Number.NEGATIVE_INFINITY;
  for (let mono = 0; mono < minutes * 60_000; mono += step) {
    m.at(mono);
    const now = m.clock();
    worst = Math.max(worst, Math.abs(now - trueWall(mono)));
    if (now < previous) back = true;
    previous = now;
  }
  return { worst, back };
}

describe('wall clock kept on the system clock (createWallClock)', () => {
  it('keeps sub-millisecond precision when the two clocks agree', () => {
    const m = machine((mono) => ORIGIN + mono);
    for (const mono of [0, 0.25, 1.5, 999.999, 60_000.125]) {
      m.at(mono);
      expect(m.clock()).toBeCloseTo(ORIGIN + mono, 6);
    }
  });

  it('follows a wall clock that gains 5 ms a second for 16 minutes: always under a millisecond off, never back', () => {
    // Timestamps from the monotonic timer alone would be 4.8 s behind by the end: a long-lived mock
    // stamped deliveries before the run that caused them had started.
    const { worst, back } = sweep((mono) => ORIGIN + mono * 1.005, 16);
    expect(worst).toBeLessThan(1);
    expect(back).toBe(false);
  });

  it('follows a wall clock that loses 5 ms a second: always under a millisecond off', () => {
    const { worst } = sweep((mono) => ORIGIN + mono * 0.995, 16);
    expect(worst).toBeLessThan(1);
  });

  it('follows a wall clock stepped forward or back (a VM resumed, the time set), from the next reading', () => {
    const step = (delta: number) => (mono: number) => ORIGIN + mono + (mono >= 10_000 ? delta : 0);
    for (const delta of [830, -3_600_000]) {
      const m = machine(step(delta));
      m.at(9_999);
      expect(m.clock()).toBeCloseTo(ORIGIN + 9_999, 6);
      m.at(10_000.3);
      expect(Math.abs(m.clock() - (ORIGIN + 10_000.3 + delta))).toBeLessThanOrEqual(0.5);
    }
  });
});
