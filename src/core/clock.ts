/**
 * Time as the rest of floodgate sees it. Only `src/cli` and servers' `main` pass
 * {@link systemClock}; everything else takes a `Clock` so tests run without real time.
 */
export interface Clock {
  /** Wall-clock milliseconds since the epoch (may be fractional). */
  now(): number;
  /** Resolves after `ms` milliseconds, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `fn` every `ms` milliseconds (like setInterval) until the returned function is
   * called. Periodic work (monitors, samplers) takes it from the clock so tests can step it.
   */
  every(ms: number, fn: () => void): () => void;
}

/**
 * The wall-clock time at `performance.now() === 0`: `performance.timeOrigin`, which Node reads at
 * start-up from the wall clock and the monotonic clock back to back, to the microsecond. Anchored on
 * `Date.now()` instead, the clock was wrong twice over. On an arbitrary call, two processes differed
 * by up to a millisecond, because `Date.now()` truncates. Waiting for `Date.now()` to turn over a
 * millisecond fixed that, but the anchor's own first `performance.now()` call is slow (Node loads
 * its binding then). So a fresh process's clock lagged the wall clock by 1-2 ms, and more on a busy
 * machine. A mock started beside `stress --cpu 2` recorded an on-time Python dispatcher's sends as
 * early: 260 of 300 in `test/e2e/scheduled-dispatcher.test.ts`.
 */
function wallOrigin(): number {
  return performance.timeOrigin;
}

/** The real clock: wall time anchored once (on a millisecond tick), then advanced by the monotonic timer. */
export const systemClock: Clock = (() => {
  const origin = wallOrigin();
  return {
    now: () => origin + performance.now(),
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = setTimeout(
          () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          Math.max(0, ms),
        );
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    every: (ms, fn) => {
      const timer = setInterval(fn, Math.max(1, ms));
      return () => clearInterval(timer);
    },
  };
})();

/** A clock that moves only when told to: for tests of anything time-driven. */
export interface ManualClock extends Clock {
  /** Moves time forward, waking every sleeper and interval whose deadline passed, in order. */
  advance(ms: number): Promise<void>;
}

/** Creates a {@link ManualClock} starting at `start` ms. */
export function createManualClock(start = 0): ManualClock {
  let current = start;
  const sleepers: { at: number; resolve: () => void }[] = [];
  return {
    now: () => current,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        // Woken or aborted, the other path is dropped: no listener piles up on a long-lived signal.
        const entry = {
          at: current + Math.max(0, ms),
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          const i = sleepers.indexOf(entry);
          if (i >= 0) sleepers.splice(i, 1);
          reject(signal?.reason);
        };
        sleepers.push(entry);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    every(ms, fn) {
      const period = Math.max(1, ms);
      let entry: { at: number; resolve: () => void } | undefined;
      // Each firing schedules the next, so an interval is a sleeper that re-arms itself.
      const arm = (at: number) => {
        const next = {
          at,
          resolve: () => {
            arm(at + period);
            fn();
          },
        };
        entry = next;
        sleepers.push(next);
      };
      arm(current + period);
      return () => {
        const i = entry ? sleepers.indexOf(entry) : -1;
        if (i >= 0) sleepers.splice(i, 1);
        entry = undefined;
      };
    },
    async advance(ms) {
      const end = current + ms;
      for (;;) {
        sleepers.sort((a, b) => a.at - b.at);
        const next = sleepers[0];
        if (!next || next.at > end) break;
        sleepers.shift();
        current = next.at;
        next.resolve();
        // Let the woken task run before time moves on.
        await new Promise<void>((r) => setImmediate(r));
      }
      current = end;
    },
  };
}
