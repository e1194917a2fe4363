import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createManualClock, createRng, systemClock } from '../../src/core/index.ts';

const run = promisify(execFile);

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

  it('reads the wall clock from a fresh process on, so two processes agree on when a message was due', { timeout: 30_000 }, async () => {
    // The clock module is the first thing the child loads: an anchor taken on its own first
    // performance.now() call lagged the wall clock by 1-2 ms (more on a busy machine), and a mock
    // then recorded on-time sends as early. Each reading must fall within [Date.now() before,
    // Date.now() after + 1 ms) (Date.now() truncates to the millisecond).
    const script = `
      const { systemClock } = await import(${JSON.stringify(new URL('../../src/core/clock.ts', import.meta.url).pathname)});
      const out = [];
      for (let i = 0; i < 20; i++) {
        const before = Date.now();
        const now = systemClock.now();
        const after = Date.now();
        out.push(now < before ? now - before : now >= after + 1 ? now - (after + 1) : 0);
      }
      console.log(JSON.stringify(out));`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 25_000 });
    const outside = JSON.parse(stdout) as number[];
    expect(outside).toHaveLength(20);
    expect(outside.filter((ms) => ms !== 0)).toEqual([]);
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
