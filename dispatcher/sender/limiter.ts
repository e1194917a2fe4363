/**
 * The per-account limiter: GCRA pacing whose state survives restarts, plus a window guard that
 * makes "no sliding 1 s window at the provider holds more than N units" hold whatever the
 * network latency does.
 *
 * GCRA (ITU-T I.371, "virtual scheduling"): emission interval T = 1000 / tps ms per unit and
 * tolerance tau; a request of n units may go at t when t >= TAT - tau, and then
 * TAT = max(TAT, t) + n * T. That spaces sends evenly but says nothing about *arrival*
 * times at the provider, which jitter by the request latency: two sends 5 ms apart may
 * arrive 1 ms apart and tip a window over.
 *
 * The guard closes that gap. A unit's arrival lies between its send and its response. Admit n
 * units at t only if (units in flight) + (units whose response came after t - 1000 ms) + n <= N.
 * Proof sketch: take any 1 s window at the provider and its last-admitted unit u (admitted at
 * t_u, arriving a_u >= t_u). Every other unit v in the window arrived at a_v > a_u - 1000 >= t_u - 1000,
 * so at t_u it was either in flight or answered after t_u - 1000: it was counted. Hence the window
 * holds at most N. The price is throughput N / (1 s + latency), about 99.5% at 5 ms latency.
 */

/** Where the limiter keeps its TAT across restarts. */
export interface TatStore {
  get(account: string): number | undefined;
  put(account: string, tat: number): void;
}

/** Options of {@link createLimiter}. */
export interface LimiterOptions {
  account: string;
  /** Units per second; undefined means unlimited. */
  tps: number | undefined;
  /** GCRA tolerance in ms: lets pacing catch up after a late timer (the guard still caps windows). */
  toleranceMs?: number;
  /** TAT is persisted this far ahead, so a crash never leaves a stored TAT behind the real one. */
  persistAheadMs?: number;
  /** The longest a request may take; a restart within (1 s + this) of the last send starts quiet. */
  requestTimeoutMs: number;
  store: TatStore;
  now: number;
}

/** The limiter of one provider account. */
export interface PacingLimiter {
  readonly tps: number | undefined;
  /** Milliseconds until `units` may be sent (0: now; Infinity: wait for a response). */
  delay(units: number, now: number): number;
  /** Reserves `units` sent at `now` (call only when `delay` returned 0). */
  acquire(units: number, now: number): void;
  /** Records the response (or failure) of `units` sent earlier, at `now`. */
  complete(units: number, now: number): void;
  /** Sends nothing before `until` (429 with Retry-After). */
  pauseUntil(until: number): void;
  readonly inFlight: number;
  /** Stops background work (the shared limiter's renewals). */
  close?(): void;
}

/**
 * The GCRA tolerance by default: how far pacing may catch up after the sender was held up (a
 * late timer, a garbage collection, a WAL checkpoint), as a burst of up to this many ms of the
 * rate. The window guard still caps every second at the limit. At 50 ms, story 4's sender
 * (10,000/s) lost every stall longer than that for good: its seconds ran 8,400-9,700 and its
 * lateness p99 was 111-113 s; at 250 ms they ran 9,300-9,900 and p99 was 105.6 s (the
 * quota-bound ideal: 99 s). After an idle spell an account may send a quarter second's worth
 * at once (50 units at 200/s), within its window.
 */
export const GCRA_TOLERANCE_MS = 250;

/** The guard treats a window as closed at both ends, with 1 ms to spare for timer rounding. */
const WINDOW_MS = 1001;

/** Creates the limiter, restoring TAT and starting quiet if the account sent just before. */
export function createLimiter(options: LimiterOptions): PacingLimiter {
  const { tps, store, account } = options;
  const interval = tps ? 1000 / tps : 0;
  const tolerance = options.toleranceMs ?? GCRA_TOLERANCE_MS;
  const ahead = options.persistAheadMs ?? 250;
  const stored = store.get(account);
  let tat = Math.max(stored ?? 0, options.now);
  let persisted = stored ?? 0;
  let paused = 0;
  let inFlight = 0;
  const ends: { at: number; units: number }[] = [];
  let head = 0;
  let recent = 0;
  if (tps && stored !== undefined && stored > options.now - 1000 - options.requestTimeoutMs) {
    // The previous process may have had up to N units arrive in the second before we started
    // (requests in flight at a crash arrive by the time the kernel closes their sockets). Count
    // them as answered now, so the first second after a restart admits nothing on top of them.
    ends.push({ at: options.now, units: Math.floor(tps) });
    recent = Math.floor(tps);
  }
  const expire = (now: number) => {
    while (head < ends.length && (ends[head] as { at: number }).at + WINDOW_MS <= now) {
      recent -= (ends[head] as { units: number }).units;
      head++;
    }
    if (head > 1024 && head * 2 > ends.length) {
      ends.splice(0, head);
      head = 0;
    }
  };
  return {
    tps,
    get inFlight() {
      return inFlight;
    },
    delay(units, now) {
      const pause = Math.max(0, paused - now);
      if (!tps) return pause;
      const gcra = Math.max(0, tat - tolerance - now);
      expire(now);
      const cap = Math.floor(tps);
      let excess = inFlight + recent + units - cap;
      if (excess <= 0) return Math.max(pause, gcra);
      if (inFlight + units > cap) return Number.POSITIVE_INFINITY;
      // Wait until enough answered units leave the window.
      for (let i = head; i < ends.length; i++) {
        const e = ends[i] as { at: number; units: number };
        excess -= e.units;
        if (excess <= 0) return Math.max(pause, gcra, e.at + WINDOW_MS - now);
      }
      return Number.POSITIVE_INFINITY;
    },
    acquire(units, now) {
      inFlight += units;
      if (!tps) return;
      tat = Math.max(tat, now) + units * interval;
      if (tat > persisted) {
        persisted = tat + ahead;
        store.put(account, persisted);
      }
    },
    complete(units, now) {
      inFlight -= units;
      if (!tps) return;
      // Responses come back roughly in order; keep `ends` sorted so expiry stays a queue.
      let i = ends.length;
      while (i > head && (ends[i - 1] as { at: number }).at > now) i--;
      ends.splice(i, 0, { at: now, units });
      recent += units;
    },
    pauseUntil(until) {
      paused = Math.max(paused, until);
    },
  };
}
