/**
 * System and per-feature targets from Little's law (L = lambda W; J. D. C. Little, "A Proof for
 * the Queuing Formula L = lambda W", Operations Research 9(3), 1961), the way story 1 of DOMAIN.md
 * derives them: concurrent users -> TPS -> per-feature TPS and users through a call mix.
 * Durations are milliseconds and rates per second, as everywhere in floodgate.
 */

/** Inputs of the audience (MAU) route to concurrent users. */
export interface AudienceRouteInput {
  /** Daily active users; when absent, `mau x dailyActiveRatio`. */
  dau?: number;
  mau?: number;
  /** DAU / MAU as a fraction. */
  dailyActiveRatio?: number;
  visitsPerDay: number;
  /** Share of a day's visits that land in the busiest hour (fraction). */
  peakHourShare: number;
  /** Mean session length, ms. */
  sessionMs: number;
}

/** What the audience route found. */
export interface AudienceRoute {
  dau: number;
  /** Visits arriving per second in the peak hour. */
  arrivalsPerSecond: number;
  users: number;
}

/**
 * Concurrent users from the audience.
 * DAU = MAU x daily-active ratio (unless DAU is measured); peak-hour arrivals
 * lambda = DAU x visits/day x peak-hour share / 3600 s; Little's law L = lambda W with W the
 * session duration gives the users in the system at once.
 */
export function usersFromAudience(input: AudienceRouteInput): AudienceRoute {
  const dau = input.dau ?? (input.mau ?? Number.NaN) * (input.dailyActiveRatio ?? Number.NaN);
  if (!Number.isFinite(dau)) throw new RangeError('the audience route needs dau, or mau and dailyActiveRatio');
  const arrivalsPerSecond = (dau * input.visitsPerDay * input.peakHourShare) / 3600;
  return { dau, arrivalsPerSecond, users: arrivalsPerSecond * (input.sessionMs / 1000) };
}

/**
 * Concurrent users from the load balancer: peak active connections x a factor (story 1 counts
 * 25 connections/s as 25 users' worth of requests and allows x3 for users between requests: 75).
 */
export function usersFromConnections(peakConnections: number, factor: number): number {
  return peakConnections * factor;
}

/**
 * Throughput a closed population sustains: each of N users cycles through a response (R) and a
 * think time (Z), so by Little's law on the cycle, X = N / (R + Z) (the interactive response-time
 * law, Denning and Buzen 1978). Story 1: 75 / 0.2 s = 375 TPS.
 */
export function tpsFromUsers(users: number, responseMs: number, thinkMs = 0): number {
  const cycleSeconds = (responseMs + thinkMs) / 1000;
  if (cycleSeconds <= 0) throw new RangeError('response time + think time must be > 0');
  return users / cycleSeconds;
}

/** Little's law the other way: users in the system = TPS x (R + Z). */
export function usersFromTps(tps: number, responseMs: number, thinkMs = 0): number {
  return tps * ((responseMs + thinkMs) / 1000);
}

/** One feature of a call mix: calls per user visit today, and whether a cache holds it flat. */
export interface MixFeature {
  name: string;
  calls: number;
  /** Served from a cache (story 1: Next.js), so its calls do not grow with users. */
  cached: boolean;
}

/** A feature's share and targets. */
export interface FeatureTarget extends MixFeature {
  /** Calls at the growth multiple (cached features held flat). */
  scaledCalls: number;
  /** Fraction of all calls. */
  share: number;
  tps: number;
  users: number;
}

/**
 * Per-feature targets. At a growth multiple m, an uncached feature's calls scale to calls x m,
 * a cached one stays at calls; share = scaled / sum(scaled). Feature TPS = system TPS x share and
 * feature users = feature TPS x (R + Z) (Little's law). Story 1 at 3x: 2:3:3 -> 25% : 37.5% : 37.5%
 * of 375 TPS = 93.75 / 140.625 / 140.625 TPS and 18.75 / 28.125 / 28.125 users.
 */
export function splitByMix(
  features: readonly MixFeature[],
  growthMultiple: number,
  systemTps: number,
  responseMs: number,
  thinkMs = 0,
): FeatureTarget[] {
  const scaled = features.map((f) => (f.cached ? f.calls : f.calls * growthMultiple));
  const total = scaled.reduce((a, b) => a + b, 0);
  if (total <= 0) throw new RangeError('the call mix has no calls');
  return features.map((f, i) => {
    const scaledCalls = scaled[i] as number;
    const share = scaledCalls / total;
    const tps = systemTps * share;
    return { ...f, scaledCalls, share, tps, users: usersFromTps(tps, responseMs, thinkMs) };
  });
}
