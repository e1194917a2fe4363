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

/** Where {@link createWallClock} reads time: the wall clock (whole ms), the monotonic timer, and their pairing at start-up. */
export interface TimeSources {
  /** Wall-clock milliseconds, truncated (Date.now()). */
  wall(): number;
  /** Monotonic milliseconds, fractional (performance.now()). */
  monotonic(): number;
  /** The wall-clock time at monotonic 0 (performance.timeOrigin). */
  origin: number;
}

const NODE_TIME: TimeSources = { wall: () => Date.now(), monotonic: () => performance.now(), origin: performance.timeOrigin };

/**
 * Wall-clock time to a fraction of a millisecond, as two processes on one machine must agree on it
 * (a mock stamps a delivery, the runner stamps when it was due; 1 ms early is a FAIL).
 *
 * - It starts from `performance.timeOrigin`, which Node reads at start-up from the wall clock and
 *   the monotonic clock back to back, to the microsecond, and advances by the monotonic timer.
 *   Anchored on `Date.now()` instead, the clock was wrong twice over: on an arbitrary call two
 *   processes differed by up to a millisecond (Date.now() truncates), and an anchor taken on the
 *   first `performance.now()` call lagged 1-2 ms (Node loads its binding then), so a mock started
 *   beside `stress --cpu 2` recorded an on-time Python dispatcher's sends as early.
 * - It stays on the wall clock: the monotonic timer and the wall clock part as the system corrects
 *   its time (NTP slews it, a VM's clock is stepped after a pause). A `floodgate mock` kept running
 *   for 16 minutes stamped deliveries 830 ms before the run that caused them started. So every
 *   reading is checked against `Date.now()` read on both sides of it: the true time lies in
 *   [before, after + 1 ms), and a reading outside is moved to the middle of that span, the offset
 *   with it. Readings inside keep their precision, so a clock that does not drift is never moved,
 *   and one that drifts stays under a millisecond off (a quarter of one on average, simulated at
 *   5 ms a second in `test/core/wall-clock.test.ts`), as `Date.now()` itself is.
 * - It never steps back by less than a millisecond (a correction's jitter), so a duration measured
 *   with it is never negative; a larger step back (the system clock was set back) is followed.
 */
export function createWallClock(time: TimeSources = NODE_TIME): () => number {
  let offset = time.origin;
  let last = Number.NEGATIVE_INFINITY;
  return () => {
    const before = time.wall();
    const mono = time.monotonic();
    const after = time.wall();
    let now = offset + mono;
    if (now < before || now >= after + 1) {
      const middle = (before + after + 1) / 2;
      offset += middle - now;
      now = middle;
    }
    if (now < last && last - now < 1) now = last;
    last = now;
    return now;
  };
}

/** The real clock: wall time to a fraction of a millisecond ({@link createWallClock}), timers from Node. */
export const systemClock: Clock = (() => {
  const now = createWallClock();
  return {
    now,
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
