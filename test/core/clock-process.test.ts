import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** How far outside the Date.now() bracket a reading may fall: the two clocks' sub-millisecond skew, not the 1-2 ms lag this guards against. */
const SKEW_MS = 0.25;

describe('system clock in a fresh process', () => {
  it('reads the wall clock from the start, so two processes agree on when a message was due', { timeout: 30_000 }, async () => {
    // The clock module is the first thing the child loads: an anchor taken on its own first
    // performance.now() call lagged the wall clock by 1-2 ms (more on a busy machine), and a mock
    // then recorded on-time sends as early. Each reading must fall within [Date.now() before,
    // Date.now() after + 1 ms) (Date.now() truncates to the millisecond), give or take the skew.
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
    expect(outside.filter((ms) => Math.abs(ms) > SKEW_MS)).toEqual([]);
  });
});
