import { z } from 'zod';
import { count, durationMs, fraction, money, ratePerSecond, sizeBytes } from '../core/index.ts';

/**
 * The capacity plan file (`floodgate plan <plan.yaml>`), written the way a team writes its
 * numbers down: who the audience is and how it grows, what traffic it makes, the call mix,
 * the campaigns and the providers' limits, the executors and pools in the way, measured
 * scalability points, and the budget. Every section is optional; the planner computes what
 * the given sections allow. Units are written out (`200ms`, `200/s`, `256MB`, `$812`) and
 * arrive here as milliseconds, per-second rates, bytes and plain amounts.
 */

/** Every default of the plan file, in one place. */
export const PLAN_DEFAULTS = {
  thinkTime: 0,
  growthMultiple: 1,
  cached: false,
  failureRate: 0,
  pricePer: 1,
  freeUnits: 0,
  /** Two measures disagreeing by less than this count as agreeing ("users don't notice under 20%"). */
  routeTolerance: 0.2,
  /** Executors are assumed to read page by page unless the plan says the batch loads everything. */
  loading: 'paged',
} as const;

const positiveCount = () => count().pipe(z.number().positive());
/** Threads, servers, recipients: things that come in whole units. */
const wholeCount = () => count().pipe(z.number().int().positive());
const positiveRate = () => ratePerSecond().pipe(z.number().positive());
const positiveDuration = () => durationMs().pipe(z.number().positive());
const range = <T extends z.ZodType>(field: () => T) => z.union([field(), z.object({ min: field(), max: field() }).strict()]);

const Audience = z
  .object({
    subscribers: positiveCount().optional(),
    mau: positiveCount().optional(),
    dau: positiveCount().optional(),
    /** DAU / MAU, when DAU is not measured. */
    dailyActive: fraction().optional(),
  })
  .strict();

const Growth = z
  .object({
    /** New subscribers a month (linear growth)... */
    perMonth: count().optional(),
    /** ...or a compound rate a month (`2%`). */
    compound: fraction().optional(),
    /** How far ahead to look, in months. */
    horizon: z.number().int().positive(),
    /** The audience the system must be ready for. */
    target: positiveCount().optional(),
    /** What one deployment handles today: as subscribers, or as measured throughput. */
    capacity: z.object({ subscribers: positiveCount().optional(), throughput: positiveRate().optional() }).strict().optional(),
  })
  .strict();

const Traffic = z
  .object({
    /** Load-balancer route: peak active connections x a factor. */
    connections: z.object({ peak: positiveCount(), factor: z.number().positive() }).strict().optional(),
    /** Audience route: DAU x visits a day x peak-hour share, held for a session (Little's law). */
    visits: z.object({ perUserPerDay: z.number().positive(), peakHourShare: fraction(), session: positiveDuration() }).strict().optional(),
    /** Which route sets the target when both are given (default: connections, the measured one). */
    basis: z.enum(['connections', 'visits']).optional(),
    responseTime: positiveDuration(),
    thinkTime: durationMs().default(PLAN_DEFAULTS.thinkTime),
  })
  .strict();

const Mix = z
  .object({
    /** The audience multiple the mix is planned for (story 1: 3x). */
    growthMultiple: z.number().positive().default(PLAN_DEFAULTS.growthMultiple),
    features: z
      .array(
        z
          .object({
            name: z.string().min(1),
            calls: z.number().positive(),
            /** Served from a cache, so its calls do not grow with users. */
            cached: z.boolean().default(PLAN_DEFAULTS.cached),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

const Campaign = z
  .object({
    name: z.string().min(1),
    channel: z.string().optional(),
    recipients: range(positiveCount),
    /** Everything must have left by then (a single value or a `{min, max}` window). */
    deadline: range(positiveDuration).optional(),
    provider: z
      .object({ name: z.string().min(1), limit: positiveRate().optional() })
      .strict()
      .optional(),
    /** A send rate chosen below the provider's limit. */
    throttle: positiveRate().optional(),
    /** Concurrent senders (threads, consumers) and how long each send holds one. */
    workers: wholeCount().optional(),
    latency: positiveDuration().optional(),
    /** Share of sends that fail and are retried. */
    failureRate: fraction().pipe(z.number().lt(1)).default(PLAN_DEFAULTS.failureRate),
    /**
     * Scheduled sends: the recipients fall due together (`spread: 0s`, the default) or evenly over
     * `spread`; the plan then gives the lateness a sender at exactly the throughput would achieve.
     */
    due: z
      .object({ spread: durationMs().default(0) })
      .strict()
      .optional(),
  })
  .strict();

const Executor = z
  .object({
    name: z.string().min(1),
    /** Tasks submitted at once: the page read per cycle. */
    pageSize: wholeCount(),
    /** Maximum pool size. */
    threads: wholeCount(),
    /** Queue capacity, or `unbounded` (Spring's default Integer.MAX_VALUE). */
    queue: z.union([z.literal('unbounded'), count()]),
    /** Whether the batch loads every recipient before submitting (story 1) or one page at a time. */
    loading: z.enum(['all', 'paged']).default(PLAN_DEFAULTS.loading),
    /** Memory check: the whole list against one page. */
    recipients: positiveCount().optional(),
    bytesPerRecipient: sizeBytes().optional(),
    heap: sizeBytes().optional(),
  })
  .strict();

const Pool = z
  .object({
    name: z.string().min(1),
    arrivalRate: ratePerSecond(),
    serviceTime: positiveDuration(),
    /** The size configured today, if any. */
    servers: wholeCount().optional(),
    /** What "fast enough" means for sizing. */
    target: z
      .object({
        meanWait: durationMs().optional(),
        serviceLevel: z.object({ within: durationMs(), probability: fraction() }).strict().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const Usl = z
  .object({
    points: z.array(z.object({ n: z.number().positive(), throughput: z.number().nonnegative() }).strict()).min(3),
    /** The throughput the system must reach (default: the traffic target's TPS). */
    target: positiveRate().optional(),
  })
  .strict();

const Budget = z
  .object({
    credits: money(),
    upfront: z.array(z.object({ name: z.string().min(1), amount: money() }).strict()).default([]),
    /** How many months the credits must last after the upfront payments. */
    months: z.number().int().positive(),
    channels: z
      .array(
        z
          .object({
            name: z.string().min(1),
            volume: count(),
            price: money(),
            per: positiveCount().default(PLAN_DEFAULTS.pricePer),
            free: count().default(PLAN_DEFAULTS.freeUnits),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

const PlanObject = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    audience: Audience.optional(),
    growth: Growth.optional(),
    traffic: Traffic.optional(),
    mix: Mix.optional(),
    campaigns: z.array(Campaign).default([]),
    executors: z.array(Executor).default([]),
    pools: z.array(Pool).default([]),
    usl: Usl.optional(),
    budget: Budget.optional(),
  })
  .strict();

/** The whole plan file: its sections, then the rules that span them. */
export const PlanSchema = PlanObject.superRefine(crossCheck);

type PlanShape = z.output<typeof PlanObject>;

/** Rules that span sections; each issue points at the key that needs changing. */
function crossCheck(plan: PlanShape, ctx: z.RefinementCtx): void {
  const need = (ok: unknown, path: (string | number)[], message: string) => {
    if (!ok) ctx.addIssue({ code: 'custom', path, message });
  };
  const g = plan.growth;
  if (g) {
    need(plan.audience?.subscribers !== undefined, ['growth'], 'needs audience.subscribers to grow from');
    need((g.perMonth === undefined) !== (g.compound === undefined), ['growth'], 'give exactly one of perMonth or compound');
    need(
      !g.capacity?.throughput || plan.traffic,
      ['growth', 'capacity', 'throughput'],
      'needs a traffic section for the load it is compared with',
    );
    need(
      !g.capacity || g.capacity.subscribers !== undefined || g.capacity.throughput !== undefined,
      ['growth', 'capacity'],
      'give subscribers or throughput',
    );
  }
  const t = plan.traffic;
  if (t) {
    need(t.connections || t.visits, ['traffic'], 'give connections (load balancer) or visits (audience), or both');
    need(!t.basis || t[t.basis], ['traffic', 'basis'], `names a route that is not given`);
    const a = plan.audience;
    need(
      !t.visits || a?.dau !== undefined || (a?.mau !== undefined && a.dailyActive !== undefined),
      ['traffic', 'visits'],
      'needs audience.dau, or audience.mau and audience.dailyActive',
    );
  }
  need(!plan.mix || t, ['mix'], 'needs a traffic section: the mix splits its TPS');
  need(!plan.usl || plan.usl.target !== undefined || t, ['usl'], 'needs a target, or a traffic section to take it from');
  need(!plan.usl || new Set(plan.usl.points.map((p) => p.n)).size >= 3, ['usl', 'points'], 'needs at least 3 distinct values of n');
  plan.campaigns.forEach((c, i) => {
    need(c.workers === undefined || c.latency !== undefined, ['campaigns', i, 'latency'], 'is required with workers');
  });
}

/** A validated, defaulted plan. */
export type PlanConfig = z.output<typeof PlanSchema>;
