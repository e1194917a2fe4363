import type { QuotaBoundLateness, Throughput } from './campaign.ts';
import type { GrowthModel } from './growth.ts';
import type { FeatureTarget } from './traffic.ts';
import type { Headroom, UslFit } from './usl.ts';

/**
 * The capacity plan as data: every figure `floodgate plan` prints or writes, and the flags
 * raised against the plan's own limits. Renderers (terminal, Markdown, HTML) read only this.
 * Units: durations in ms, rates per second, sizes in bytes, money in the plan's currency.
 */
export interface PlanReport {
  kind: 'floodgate-plan';
  version: 1;
  name: string;
  description: string | null;
  system: SystemTarget | null;
  mix: MixReport | null;
  growth: GrowthReport | null;
  campaigns: CampaignReport[];
  executors: ExecutorReport[];
  pools: PoolReport[];
  usl: UslReport | null;
  budget: BudgetReport | null;
  flags: Flag[];
  /** `fail` if any flag fails, `warn` if any warns, else `ok`. */
  verdict: 'ok' | 'warn' | 'fail';
}

/** Something in the plan that will not hold, or deserves a look. */
export interface Flag {
  severity: 'warn' | 'fail';
  /** Section and item, e.g. `executors.alimtalk-before`. */
  subject: string;
  message: string;
}

/** A `{min, max}` pair; equal when the plan gave one value. */
export interface Span {
  min: number;
  max: number;
}

/** The system-wide target: concurrent users by each route given, and the TPS they imply. */
export interface SystemTarget {
  connections: { peak: number; factor: number; users: number } | null;
  visits: { dau: number; arrivalsPerSecond: number; users: number } | null;
  basis: 'connections' | 'visits';
  users: number;
  responseTimeMs: number;
  thinkTimeMs: number;
  tps: number;
  /** |a - b| / max(a, b) between the two routes, when both are given. */
  routeDifference: number | null;
  routesAgree: boolean | null;
}

/** Per-feature targets from the call mix at a growth multiple. */
export interface MixReport {
  growthMultiple: number;
  features: FeatureTarget[];
}

/** The audience over the horizon, when it reaches the target, and when capacity runs out. */
export interface GrowthReport {
  start: number;
  model: GrowthModel;
  horizonMonths: number;
  atHorizon: number;
  target: number | null;
  monthsToTarget: number | null;
  capacity: {
    /** What one deployment covers, in subscribers. */
    subscribers: number;
    /** Measured throughput, if given that way. */
    throughput: number | null;
    /** First month whose load exceeds it; null if never. */
    runsOutAtMonth: number | null;
  } | null;
  series: { month: number; subscribers: number }[];
}

/** One campaign: the rate its deadline demands, the throughput its limits allow, drain and verdict. */
export interface CampaignReport {
  name: string;
  channel: string | null;
  provider: string | null;
  recipients: Span;
  deadlineMs: Span | null;
  /** Sends (N x retry inflation) / window: min = fewest over the longest window, max = most over the shortest. */
  requiredRate: Span | null;
  failureRate: number;
  retryInflation: number;
  /** Sends including retries. */
  sends: Span;
  providerLimit: number | null;
  throughput: Throughput;
  /** Drain if the provider's limit were the only bound. */
  drainAtLimitMs: Span | null;
  /** Drain at the plan's throughput; null when nothing bounds it. */
  drainMs: Span | null;
  /** Workers (of the campaign's latency) that keep the provider's limit busy: ceil(R L). */
  workersToSaturate: number | null;
  /** Workers (of the campaign's latency) that reach the required rate: ceil(rate L). */
  workersForDeadline: number | null;
  /** Recipients that can leave by the shortest deadline at the plan's throughput. */
  deliverableByDeadline: number | null;
  verdict: 'meets' | 'misses' | 'no deadline' | 'unbounded';
  curve: { tMs: number; sent: number }[];
  /** For scheduled sends (`due`): the least lateness at the plan's throughput (null otherwise, or unbounded). */
  lateness: QuotaBoundLateness | null;
}

/** One executor: rejection per page and the memory of holding everything vs a page. */
export interface ExecutorReport {
  name: string;
  /** `all`: the batch holds every recipient; `paged`: one page at a time. */
  loading: 'all' | 'paged';
  pageSize: number;
  threads: number;
  queue: number | null;
  rejectedPerPage: number;
  memory: {
    recipients: number;
    bytesPerRecipient: number;
    loadAllBytes: number;
    pagedBytes: number;
    heapBytes: number | null;
  } | null;
}

/** One pool as an M/M/c queue: waits at its configured size and the smallest size meeting the target. */
export interface PoolReport {
  name: string;
  arrivalRate: number;
  serviceTimeMs: number;
  offeredLoad: number;
  configured: {
    servers: number;
    utilization: number;
    stable: boolean;
    pWait: number;
    meanWaitMs: number;
    serviceLevel: number | null;
  } | null;
  target: { meanWaitMs: number | null; serviceLevel: { withinMs: number; probability: number } | null } | null;
  /** The smallest pool meeting the target (or just stable without one). */
  recommended: number | null;
}

/** A USL fit of measured points, its headroom against the target, and the curve for charts. */
export interface UslReport {
  points: { n: number; x: number }[];
  fit: UslFit;
  headroom: Headroom;
  curve: { n: number; x: number }[];
}

/** Monthly cost per channel against the ceiling that makes the credits last. */
export interface BudgetReport {
  credits: number;
  upfront: { name: string; amount: number }[];
  months: number;
  monthlyCeiling: number;
  channels: { name: string; volumePerMonth: number; price: number; per: number; freeUnits: number; monthlyCost: number }[];
  monthlyTotal: number;
  runwayMonths: number | null;
  withinCeiling: boolean;
}
