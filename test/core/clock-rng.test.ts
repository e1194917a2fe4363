import { describe, expect, it } from 'vitest';
import { createManualClock, createRng } from '../../src/core/index.ts';

describe('manual clock', () => {
  it('wakes sleepers in deadline order and only when time reaches them', async () => {
    const clock = createManualClock(1000);
    const woke: [string, number][] = [];
    void clock.sleep(50).then(() => woke.push(['b', clock.now()]));
    void clock.sleep(10).then(() => woke.push(['a', clock.now()]));
    await clock.advance(9);
    expect(woke).toEqual([]);
    await clock.advance(100);
    expect(woke).toEqual([
      ['a', 1010],
      ['b', 1050],
    ]);
    expect(clock.now()).toBe(1109);
  });
});

describe('rng', () => {
  it('repeats for a seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng('other');
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('is uniform enough: mean ~0.5 over 100k draws, all in [0,1)', () => {
    const rng = createRng(7);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });
});
