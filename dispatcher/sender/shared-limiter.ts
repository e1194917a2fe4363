/**
 * The limiter of one provider account shared by every dispatcher process on one PostgreSQL
 * database: N processes together keep "no sliding 1 s window at the provider holds more than
 * N units" (limiter.ts has the single-process proof) and pace by one GCRA state.
 *
 * The window guard's quantity (units in flight + units answered within the last second) is
 * made a pool of `limit` units. A process holds a share of it in its `limiter_holds` row: units
 * granted but not yet sent, units in flight, and units answered less than 1 s ago. A unit is
 * sent only out of the process's share and returns to the pool only after its answer has left
 * the window, so at every admission, summed over all processes, in flight + answered within the
 * last second <= sum of shares <= limit: the single-process proof applies to the union.
 * A unit whose answer has left the window stays in its process's share, to be reused without a
 * round trip while the process is busy; a process idle for 100 ms gives its unused units back.
 * Shares grow in small grants (what the next request needs, at least 10 ms of the account's
 * rate) through `fg_limiter_grant`, one short transaction that locks only the account's row, so no process holds a lock while it
 * sends. A grant also books its units' time on the shared GCRA TAT, so processes starting
 * together ramp up as one sender would; reused units are paced by the process's own GCRA, and
 * the window guard (the hard bound) holds for the union either way.
 *
 * A process that dies keeps its share counted until its row's `until` (renewed on every call,
 * at least every 250 ms while it holds units) passes: request timeout + 3 s, by when every
 * request it had in flight has arrived and left the window. A restarted process has a new owner
 * id and starts at zero. Assumed: a live process's event loop never stalls that long (its share
 * would lapse while its units are still in the window).
 */
import type pg from 'pg';
import { GCRA_TOLERANCE_MS, type LimiterOptions, type PacingLimiter } from './limiter.ts';

/** Options of {@link createSharedLimiter}. */
export interface SharedLimiterOptions extends Omit<LimiterOptions, 'store'> {
  pool: pg.Pool;
  /** This process's lease owner id (its row in `limiter_holds`). */
  owner: number;
  /** Called when a grant arrives, so a sender waiting for units wakes at once. */
  onChange?: () => void;
  /** Smallest grant in ms of the account's rate (default 10): a grant is what the next request needs, at least this. */
  grantMs?: number;
  /** The sender's clock (epoch ms), so the times given to `delay` and the grants' times agree. */
  clock?: () => number;
}

const WINDOW_MS = 1001;
/** Expired units go back to the pool within this, so other processes wait little for them. */
const TICK_MS = 5;
const RENEW_MS = 250;
/** Granted units unused this long go back to the pool (an idle process must not sit on a share). */
const IDLE_MS = 100;
/** A process refused for a full window asks again after this at the latest (others release every tick). */
const REFUSED_RETRY_MS = 25;

/** Creates the shared limiter; it talks to the database only to take and return shares. */
export function createSharedLimiter(options: SharedLimiterOptions): PacingLimiter & { close(): void } {
  const { tps, pool, owner, account } = options;
  const interval = tps ? 1000 / tps : 0;
  const tolerance = options.toleranceMs ?? GCRA_TOLERANCE_MS;
  const cap = tps ? Math.floor(tps) : 0;
  const chunk = tps ? Math.max(1, Math.min(cap, Math.ceil((tps * (options.grantMs ?? 10)) / 1000))) : 0;
  const holdMs = options.requestTimeoutMs + 3000;
  const clock = options.clock ?? Date.now;
  let avail = 0;
  let localTat = 0;
  let inFlight = 0;
  let paused = 0;
  let toRelease = 0;
  let calling = false;
  let retryAt = 0;
  let lastCall = 0;
  let lastAcquire = 0;
  let closed = false;
  const ends: { at: number; units: number }[] = [];
  let head = 0;

  // Units whose answers left the window stay this process's to reuse: a busy process cycles its
  // share without a round trip; an idle one gives it back (the timer below).
  const expire = (now: number) => {
    while (head < ends.length && (ends[head] as { at: number }).at + WINDOW_MS <= now) {
      avail += (ends[head] as { units: number }).units;
      head++;
    }
    if (head > 1024 && head * 2 > ends.length) {
      ends.splice(0, head);
      head = 0;
    }
  };

  const call = (want: number, min: number) => {
    if (calling || closed) return;
    calling = true;
    const release = toRelease;
    toRelease = 0;
    lastCall = clock();
    pool
      .query('SELECT granted, slot_in, wait_ms FROM fg_limiter_grant($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
        account,
        owner,
        release,
        want,
        min,
        cap,
        interval,
        tolerance,
        holdMs,
      ])
      .then(
        (res) => {
          const row = res.rows[0] as { granted: number; slot_in: number; wait_ms: number };
          const now = clock();
          if (row.granted > 0) {
            avail += row.granted;
            // A grant is not idleness: units granted after a long wait must not go straight back.
            lastAcquire = now;
            localTat = Math.max(localTat, now + row.slot_in);
          } else if (want > 0 && row.wait_ms > 0) retryAt = now + row.wait_ms;
          else if (want > 0) {
            // Window full: ask again when this process's next answered units leave it, or after others' next releases.
            const next = head < ends.length ? (ends[head] as { at: number }).at + WINDOW_MS : Number.POSITIVE_INFINITY;
            retryAt = Math.max(now + 1, Math.min(next, now + REFUSED_RETRY_MS));
          }
        },
        // Units released by a call that failed are not given back (the call may have committed):
        // a lost release only makes the account slower, a doubled one would break the limit.
        () => {
          retryAt = clock() + 100;
        },
      )
      .finally(() => {
        calling = false;
        options.onChange?.();
      });
  };

  // Started on first use, so a dispatcher that never sends (or is never started) costs nothing.
  let timer: ReturnType<typeof setInterval> | undefined;
  const tick = () => {
    const now = clock();
    expire(now);
    if (avail > 0 && now - lastAcquire > IDLE_MS) {
      toRelease += avail;
      avail = 0;
    }
    // Renew while anything is held (a share lapses only when its process is gone).
    const holding = avail > 0 || inFlight > 0 || head < ends.length;
    if (toRelease > 0 || (holding && now - lastCall >= RENEW_MS)) call(0, 0);
  };

  return {
    tps,
    get inFlight() {
      return inFlight;
    },
    delay(units, now) {
      const pause = Math.max(0, paused - now);
      if (!tps) return pause;
      if (units > cap) return Number.POSITIVE_INFINITY;
      if (!timer && !closed) {
        timer = setInterval(tick, TICK_MS);
        timer.unref();
      }
      expire(now);
      if (avail >= units) return Math.max(pause, localTat - tolerance - now, 0);
      if (now >= retryAt) call(Math.min(cap, Math.max(units - avail, chunk)), units - avail);
      return calling ? Number.POSITIVE_INFINITY : Math.max(pause, retryAt - now, 1);
    },
    acquire(units, now) {
      inFlight += units;
      if (!tps) return;
      avail -= units;
      lastAcquire = now;
      localTat = Math.max(localTat, now) + units * interval;
    },
    complete(units, now) {
      inFlight -= units;
      if (!tps) return;
      let i = ends.length;
      while (i > head && (ends[i - 1] as { at: number }).at > now) i--;
      ends.splice(i, 0, { at: now, units });
    },
    pauseUntil(until) {
      paused = Math.max(paused, until);
    },
    close() {
      if (timer) clearInterval(timer);
      closed = true;
    },
  };
}
