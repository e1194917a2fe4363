/**
 * M/M/c queues (Poisson arrivals, exponential service, c servers): a connection pool, a thread
 * pool or a set of consumers. Erlang C via the factorial-free Erlang B recurrence, which stays
 * finite for thousands of servers where A^c / c! overflows.
 *
 * Units: `arrivalRate` per second and `serviceTime` in milliseconds (as every duration in
 * floodgate); waits come back in milliseconds.
 */

/** An M/M/c system. */
export interface ErlangInput {
  /** lambda, arrivals per second. */
  arrivalRate: number;
  /** 1/mu, mean service time in ms. */
  serviceTime: number;
  /** c, the number of servers. */
  servers: number;
}

/** The steady state of an M/M/c system. */
export interface ErlangResult {
  /** A = lambda / mu, in Erlangs. */
  offeredLoad: number;
  /** rho = A / c. */
  utilization: number;
  /** False when A >= c: the queue grows without bound. */
  stable: boolean;
  /** C(c, A): probability that an arrival waits. */
  pWait: number;
  /** Wq, the mean wait in queue, ms (Infinity when unstable). */
  meanWait: number;
}

/**
 * Erlang B by the recurrence B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1)) (e.g. Cooper,
 * "Introduction to Queueing Theory", 2nd ed., 1981, sec. 3.3; no factorials, no overflow).
 */
export function erlangB(offeredLoad: number, servers: number): number {
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (offeredLoad * b) / (k + offeredLoad * b);
  return b;
}

function checkInput({ arrivalRate, serviceTime, servers }: ErlangInput): void {
  if (!(arrivalRate >= 0) || !(serviceTime >= 0)) throw new RangeError('arrivalRate and serviceTime must be >= 0');
  if (!Number.isInteger(servers) || servers < 1) throw new RangeError('servers must be a whole number >= 1');
}

/**
 * Erlang C from Erlang B: C = c B / (c - A (1 - B)) (Cooper 1981, eq. 3.4.9), evaluated as
 * 1/C = ((c - A) / B + A) / c, the same identity rearranged so that exact inputs stay exact
 * (M/M/2 at A = 1 gives 1/3, not 0.33333333333333337). Mean wait Wq = C / (c mu - lambda)
 * (the M/M/c result: the queue, once joined, drains at c mu - lambda).
 */
export function erlangC(input: ErlangInput): ErlangResult {
  checkInput(input);
  const { arrivalRate, serviceTime, servers: c } = input;
  const mu = serviceTime > 0 ? 1000 / serviceTime : Number.POSITIVE_INFINITY;
  const a = arrivalRate * (serviceTime / 1000);
  if (a >= c) return { offeredLoad: a, utilization: a / c, stable: false, pWait: 1, meanWait: Number.POSITIVE_INFINITY };
  const b = erlangB(a, c);
  const pWait = a === 0 ? 0 : 1 / (((c - a) / b + a) / c);
  const meanWait = pWait === 0 ? 0 : (pWait / (c * mu - arrivalRate)) * 1000;
  return { offeredLoad: a, utilization: a / c, stable: true, pWait, meanWait };
}

/**
 * Service level: P(Wq <= t) = 1 - C exp(-(c mu - lambda) t), since a waiting arrival's wait is
 * exponential with rate c mu - lambda (Kleinrock, "Queueing Systems" vol. 1, 1975, sec. 3.5).
 */
export function serviceLevel(input: ErlangInput, withinMs: number): number {
  const r = erlangC(input);
  if (!r.stable) return 0;
  const mu = input.serviceTime > 0 ? 1000 / input.serviceTime : Number.POSITIVE_INFINITY;
  return 1 - r.pWait * Math.exp(-(input.servers * mu - input.arrivalRate) * (withinMs / 1000));
}

/** A wait target for pool sizing: a mean wait, a service level, or both. */
export interface WaitTarget {
  /** Largest acceptable mean wait, ms. */
  meanWait?: number;
  /** Required share of arrivals that wait at most `within` ms. */
  serviceLevel?: { within: number; probability: number };
}

/**
 * The smallest c that is stable and meets the target: searched upward from ceil(A) (no fewer
 * servers can be stable); every measure improves with c, so the first hit is the minimum.
 */
export function smallestPool(input: Omit<ErlangInput, 'servers'>, target: WaitTarget, maxServers = 100_000): number | null {
  const a = input.arrivalRate * (input.serviceTime / 1000);
  for (let c = Math.max(1, Math.floor(a) + 1); c <= maxServers; c++) {
    const r = erlangC({ ...input, servers: c });
    const meanOk = target.meanWait === undefined || r.meanWait <= target.meanWait;
    const slOk =
      target.serviceLevel === undefined ||
      serviceLevel({ ...input, servers: c }, target.serviceLevel.within) >= target.serviceLevel.probability;
    if (r.stable && meanOk && slOk) return c;
  }
  return null;
}
