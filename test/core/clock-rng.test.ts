import { describe, expect, it } from 'vitest';
import { createManualClock, createRng, systemClock } from '../../src/core/index.ts';

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
  it('fires an interval at each period it passes, in order with sleepers, until cancelled', async () => {
    const clock = createManualClock(0);
    const fired: string[] = [];
    const cancel = clock.every(100, () => fired.push(`tick@${clock.now()}`));
    void clock.sleep(150).then(() => fired.push(`sleep@${clock.now()}`));
    await clock.advance(99);
    expect(fired).toEqual([]);
    await clock.advance(201);
    expect(fired).toEqual(['tick@100', 'sleep@150', 'tick@200', 'tick@300']);
    cancel();
    await clock.advance(1000);
    expect(fired).toHaveLength(4);
  });

  it('stops the system clock interval when cancelled', async () => {
    let n = 0;
    const cancel = systemClock.every(1, () => n++);
    cancel();
    await new Promise((r) => setTimeout(r, 20));
    expect(n).toBe(0);
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
