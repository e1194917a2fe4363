import { z } from 'zod';
import { count, durationMs, fraction, ratePerSecond } from '../core/index.ts';

/**
 * The scenario file: what to start, what load to drive, which campaigns to send and what
 * must hold. Validated once at the edge (`.strict()`: unknown keys are errors), defaulted
 * from {@link SCENARIO_DEFAULTS} (the only place defaults live) and frozen.
 *
 * Rates may come from a capacity plan: `rate: { plan: scenarios/plans/mail-morning.yaml,
 * value: targetTps }`. The names a plan is expected to provide are {@link PLAN_VALUE_NAMES};
 * the CLI resolves them before the run (see `resolvePlanRates`).
 */
export const SCENARIO_DEFAULTS = {
  dispatcher: 'embedded',
  arrival: 'uniform',
  sweepDuration: 10_000,
  campaignPoll: 1000,
  monitorInterval: 1000,
  timeouts: { request: 10_000, preflight: 3000, drain: 10_000, campaign: 600_000 },
  maxInFlight: 10_000,
  /** Keep-alive sockets per phase pool: the in-flight cap, but no more than this. */
  maxConnections: 1024,
  tolerances: {
    /** Share of arrivals dropped (in-flight cap or too late) before the run is INVALID. */
    dropped: 0.001,
    /** p99 schedule lag above which the generator is DEGRADED. */
    lagDegraded: 5,
    /** p99 schedule lag above which the generator fell behind: INVALID. */
    lagInvalid: 50,
    /** An arrival this late is not sent but counted as dropped, so a saturated generator stops on time. */
    lateLimit: 1000,
    /** The runner's own event-loop delay p99 above which the run is DEGRADED. */
    eventLoopLag: 50,
    /** The runner's main-thread busy share (event-loop utilisation) above which the run is DEGRADED. */
    loopBusy: 0.95,
  },
  recipientPool: { count: 1000, pattern: 'user-{n}' },
  /** The embedded dispatcher's API token (a test token: it guards a throwaway local server). */
  token: 'floodgate-run-token',
  /**
   * The request that starts a campaign without its own `start`: the reference dispatcher's
   * `POST /v1/campaigns` with a recipient generator, so the runner knows the exact recipient set.
   * `{{channel}}`, `{{count}}`, ... are filled from the campaign step.
   */
  campaignStart: {
    method: 'POST',
    path: '/v1/campaigns',
    headers: { authorization: 'Bearer {{token}}' },
    body: {
      channel: '{{channel}}',
      provider: '{{provider}}',
      template: '{{template}}',
      params: '{{params}}',
      generator: { count: '{{count}}', pattern: '{{pattern}}' },
    },
  },
} as const;

/** The value names a plan reference may ask for (resolved by the planner via the CLI). */
export const PLAN_VALUE_NAMES = ['targetTps', 'feature.<name>.tps', 'feature.<name>.users', 'campaign.<name>.tps'] as const;

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;

/** A reference to a value computed by the planner. */
export const PlanRef = z.object({ plan: z.string().min(1), value: z.string().min(1) }).strict();
export type PlanRef = z.infer<typeof PlanRef>;

/** A rate per second, or a value taken from a plan. */
const Rate = z.union([ratePerSecond(), PlanRef]);

/** `POST /v1/campaigns`: a method and a path on the target. */
const TargetLine = z
  .string()
  .regex(/^(GET|POST|PUT|PATCH|DELETE|HEAD) \/\S*$/, 'write a method and a path, e.g. "POST /v1/reports/alimtalk"')
  .transform((line) => {
    const [method, path] = line.split(' ') as [(typeof HTTP_METHODS)[number], string];
    return { method, path };
  });

const Headers = z.record(z.string(), z.string());

/**
 * A request. String values in `path`, `headers` and `body` may use generated fields:
 * `{{uuid}}`, `{{seq}}` (1, 2, 3, ... per phase), `{{recipient}}` (from the phase's pool),
 * `{{now}}` (epoch ms) and `{{nowIso}}`. A string that is exactly `{{seq}}` or `{{now}}`
 * becomes a JSON number.
 */
export const RequestTemplate = z
  .object({
    name: z.string().optional(),
    weight: z.number().positive().default(1),
    method: z.enum(HTTP_METHODS).default('GET'),
    path: z.string().startsWith('/'),
    headers: Headers.default({}),
    body: z.unknown().optional(),
  })
  .strict();
export type RequestTemplate = z.infer<typeof RequestTemplate>;

const Stage = z
  .object({ duration: durationMs(), rate: Rate, rampTo: Rate.optional() })
  .strict()
  .refine((s) => s.duration > 0, { message: 'a stage needs a duration above 0', path: ['duration'] });

/**
 * A phase whose requests are transactional (sign-up codes, OTP) sharing the dispatcher with bulk
 * campaigns: its latency is measured apart while no campaign runs and while one drains, and the
 * `isolation.<phase>` check fails when the campaign pushes it past `budget` or `ratio` x alone.
 */
const Transactional = z
  .object({
    budget: z
      .object({ p50: durationMs().optional(), p95: durationMs().optional(), p99: durationMs().optional(), avg: durationMs().optional() })
      .strict()
      .refine((b) => [b.p50, b.p95, b.p99, b.avg].some((v) => v !== undefined), {
        message: 'give at least one latency bound: p50, p95, p99 or avg (e.g. `p95: 200ms`)',
      }),
    ratio: z.number().gt(1).optional(),
  })
  .strict();

/**
 * Tracks a phase's messages to delivery like a campaign's: each request whose template uses
 * `{{tracked}}` gets the next recipient of `pattern` (`{n}` 0, 1, 2, ... over the phase's requests
 * that use it, so no two requests share a recipient), and the runner follows `provider`'s delivery
 * feed for them until `within` after the phase's last request.
 */
const PhaseTrack = z
  .object({
    /** The mock provider whose delivery feed the messages arrive on (e.g. the transactional SES account). */
    provider: z.string().min(1),
    /** Recipient ids with `{n}` (or `{n:W}`, `{seq}`); default `<phase>-{n}@tracked.test`. */
    pattern: z
      .string()
      .refine((p) => /\{n(?::\d+)?\}|\{seq\}/.test(p), {
        message: 'the pattern needs `{n}` (or `{n:W}`, `{seq}`), so each request gets its own recipient',
      })
      .optional(),
    /** How long after the phase's last request a message may still arrive before it counts as lost. */
    within: durationMs().prefault('60s'),
  })
  .strict();

const Phases = z
  .object({
    name: z.string().optional(),
    transactional: Transactional.optional(),
    track: PhaseTrack.optional(),
    target: TargetLine.optional(),
    headers: Headers.optional(),
    body: z.unknown().optional(),
    templates: z.array(RequestTemplate).min(1).optional(),
    stages: z.array(Stage).min(1),
    arrival: z.enum(['uniform', 'poisson']).default(SCENARIO_DEFAULTS.arrival),
    timeout: durationMs().optional(),
    recipients: z.object({ count: count(), pattern: z.string() }).strict().optional(),
    delay: durationMs().default(0),
  })
  .strict()
  .superRefine((p, ctx) => {
    if ((p.target === undefined) === (p.templates === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give either `target` (one request) or `templates` (a weighted mix)', path: ['target'] });
    }
    if (p.templates && (p.headers || p.body !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: '`headers` and `body` go inside each template when `templates` is used',
        path: ['templates'],
      });
    }
  });

const Sweep = z
  .object({
    name: z.string().optional(),
    target: TargetLine,
    headers: Headers.default({}),
    body: z.unknown().optional(),
    concurrency: z.array(z.number().int().positive()).min(1),
    duration: durationMs().default(SCENARIO_DEFAULTS.sweepDuration),
    targetTps: Rate.optional(),
    delay: durationMs().default(0),
  })
  .strict();

/** Defaults of the capacity search (`search` steps and `floodgate capacity`). */
export const SEARCH_DEFAULTS = {
  errors: 0.01,
  stepDuration: 5000,
  cooldown: 500,
  growth: 1.5,
  resolution: 0.02,
  /** Retries of noisy and invalid steps count too: a busy machine needs room for them. */
  maxProbes: 30,
} as const;

/** What must hold at a rate for the capacity search: latency bounds from the intended send, and a failure share. */
const SearchBudget = z
  .object({
    p50: durationMs().optional(),
    p95: durationMs().optional(),
    p99: durationMs().optional(),
    avg: durationMs().optional(),
    errors: fraction().default(SEARCH_DEFAULTS.errors),
  })
  .strict()
  .refine((b) => [b.p50, b.p95, b.p99, b.avg].some((v) => v !== undefined), {
    message: 'give at least one latency bound: p50, p95, p99 or avg (e.g. `p95: 200ms`)',
  });

/**
 * A capacity search: open-model steps from `from` upwards, then bisection, to the highest arrival
 * rate at which `budget` holds with nothing dropped and the generator keeping up (see
 * `src/runner/capacity-search.ts`). Requests as in `phases` (`target` or `templates`); `targetTps`
 * is the rate the plan needs, compared with the answer.
 */
const Search = z
  .object({
    name: z.string().optional(),
    target: TargetLine.optional(),
    headers: Headers.optional(),
    body: z.unknown().optional(),
    templates: z.array(RequestTemplate).min(1).optional(),
    recipients: z.object({ count: count(), pattern: z.string() }).strict().optional(),
    arrival: z.enum(['uniform', 'poisson']).default(SCENARIO_DEFAULTS.arrival),
    budget: SearchBudget,
    from: ratePerSecond(),
    to: ratePerSecond(),
    targetTps: Rate.optional(),
    stepDuration: durationMs().default(SEARCH_DEFAULTS.stepDuration),
    cooldown: durationMs().default(SEARCH_DEFAULTS.cooldown),
    growth: z.number().gt(1).max(4).default(SEARCH_DEFAULTS.growth),
    resolution: fraction().default(SEARCH_DEFAULTS.resolution),
    maxProbes: z.number().int().min(3).max(100).default(SEARCH_DEFAULTS.maxProbes),
    delay: durationMs().default(0),
  })
  .strict()
  .superRefine((p, ctx) => {
    if ((p.target === undefined) === (p.templates === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give either `target` (one request) or `templates` (a weighted mix)', path: ['target'] });
    }
    if (!(p.from > 0 && p.to > p.from))
      ctx.addIssue({ code: 'custom', message: '`to` must be above `from`, and `from` above 0', path: ['to'] });
    if (p.stepDuration < 1000) ctx.addIssue({ code: 'custom', message: 'a step needs at least 1s to measure', path: ['stepDuration'] });
  });

const StartRequest = RequestTemplate.omit({ weight: true, name: true }).strict();

/** Default `due.tolerance`: a delivery recorded up to 1 ms before its due time is not early (clocks of two processes, ms resolution). */
export const DUE_TOLERANCE_DEFAULT = 1;

/**
 * When a campaign's recipients are due, relative to the moment floodgate sends the start request:
 * all at `at`, evenly over `spread` from `at`, or a `batch` every `every` from `at` (recipient i at
 * `at + floor(i * spread / count)` or `at + floor(i / batch) * every`, the reference dispatcher's
 * `schedule`). Lateness is each recipient's first delivery minus its due time; `tolerance` is how
 * far before its due time a delivery may be recorded and still not be early.
 */
const Due = z
  .object({
    at: durationMs(),
    spread: durationMs().optional(),
    every: durationMs().optional(),
    batch: count().optional(),
    tolerance: durationMs().default(DUE_TOLERANCE_DEFAULT),
  })
  .strict()
  .superRefine((d, ctx) => {
    const issue = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [key], message });
    if (d.spread !== undefined && (d.every !== undefined || d.batch !== undefined))
      issue(d.every !== undefined ? 'every' : 'batch', 'give either `spread` or `every` + `batch`, not both');
    else if (d.every !== undefined && d.batch === undefined)
      issue('every', '`every` needs `batch`: how many recipients fall due each interval');
    else if (d.batch !== undefined && d.every === undefined)
      issue('batch', '`batch` needs `every`: the interval between batches (e.g. `every: 1m`)');
    for (const key of ['at', 'spread', 'every'] as const) {
      const v = d[key];
      if (v !== undefined && !Number.isInteger(v)) issue(key, `due times are whole milliseconds, got ${v}ms`);
    }
    if (d.every !== undefined && d.every < 1) issue('every', '`every` must be at least 1ms');
    if (d.batch !== undefined && !(Number.isInteger(d.batch) && d.batch >= 1))
      issue('batch', `\`batch\` must be a whole number from 1, got ${d.batch}`);
  });

const Campaign = z
  .object({
    name: z.string().optional(),
    channel: z.string(),
    provider: z.string().optional(),
    recipients: count(),
    /** Recipient ids: `{n}` 0..recipients-1 (`{n:8}` zero-padded, the reference dispatcher's generator), `{seq}` 1-based; default `<name>-{n}`. */
    pattern: z.string().optional(),
    template: z.string(),
    params: z.record(z.string(), z.unknown()).default({}),
    /**
     * The provider the dispatcher falls back to for recipients the campaign's provider cannot reach
     * (SMS for numbers that are not KakaoTalk users): each recipient must get exactly one of the two.
     */
    fallback: z.string().optional(),
    /** With `due:`, measured from the last recipient's due time (how long the sender has after it), not from the start. */
    deadline: durationMs().optional(),
    /** When the recipients are due (scheduled sends); floodgate then measures lateness and early deliveries. */
    due: Due.optional(),
    /** The request that starts the campaign; the reference dispatcher's API by default. */
    start: StartRequest.optional(),
    poll: durationMs().default(SCENARIO_DEFAULTS.campaignPoll),
    delay: durationMs().default(0),
  })
  .strict();

/**
 * A fault on the system under test, `delay` after the run's start: `restart: dispatcher` kills the
 * dispatcher process (`instance` of N, 1-based) with `signal`, keeps it down for `down`, then starts
 * it again on the same store and waits until it answers. Only a dispatcher floodgate started can be
 * restarted: the embedded one, or `system.dispatcher: { url, command }`.
 */
const Fault = z
  .object({
    name: z.string().optional(),
    restart: z.literal('dispatcher', { error: 'the only fault is `restart: dispatcher`' }),
    delay: durationMs().default(0),
    signal: z.enum(['SIGKILL', 'SIGTERM'], { error: 'SIGKILL (a crash, the default) or SIGTERM (a graceful stop)' }).default('SIGKILL'),
    down: durationMs().default(0),
    instance: z.number().int().min(1).max(16).default(1),
  })
  .strict();

/** One step: exactly one of `phases`, `sweep`, `campaign`, `search` or `fault` (an object, so errors name the right keys). */
const LoadStep = z
  .object({
    phases: Phases.optional(),
    sweep: Sweep.optional(),
    campaign: Campaign.optional(),
    search: Search.optional(),
    fault: Fault.optional(),
  })
  .strict()
  .superRefine((step, ctx) => {
    const kinds = [step.phases, step.sweep, step.campaign, step.search, step.fault].filter((k) => k !== undefined).length;
    if (kinds !== 1)
      ctx.addIssue({ code: 'custom', message: 'a load step is exactly one of `phases`, `sweep`, `campaign`, `search` or `fault`' });
  });

/**
 * A dispatcher floodgate starts and owns: `command` (argv, no shell) run in `cwd` with `env` added,
 * ready once `GET <url><ready>` answers 2xx; stopped at the end, and restartable by a `fault` step.
 */
export const OwnDispatcher = z
  .object({
    url: z.url(),
    command: z.array(z.string().min(1)).min(1, 'give the argv to start it, e.g. [python3, dispatcher.py, --port, "8090"]'),
    cwd: z.string().min(1).optional(),
    env: z.record(z.string(), z.string()).optional(),
    ready: z.string().startsWith('/', 'a path on `url`, e.g. /healthz').default('/healthz'),
  })
  .strict();
export type OwnDispatcher = z.output<typeof OwnDispatcher>;

const Provider = z.object({ kind: z.string().optional(), url: z.url().optional() }).catchall(z.unknown());

const System = z
  .object({
    /** `embedded`, the URL of a dispatcher already running, or one floodgate starts (`{ url, command }`). */
    dispatcher: z.union([z.literal('embedded'), z.url(), OwnDispatcher]).default(SCENARIO_DEFAULTS.dispatcher),
    providers: z.record(z.string(), Provider).default({}),
    /**
     * A long-lived `floodgate mock` (its origin, e.g. `http://127.0.0.1:9090`) that the dispatcher
     * under test is configured against; `--mocks` overrides. The providers' settings here are pushed
     * to it for the run. `token`: its admin token (default: FLOODGATE_MOCK_TOKEN).
     */
    mocks: z.union([z.url(), z.object({ url: z.url(), token: z.string().min(8).optional() }).strict()]).optional(),
    /** The dispatcher's API token: `{{token}}` in templates, sent by the default campaign start. */
    token: z.string().min(8).default(SCENARIO_DEFAULTS.token),
    /** Extra configuration for the embedded reference dispatcher (merged over what floodgate derives). */
    dispatcherConfig: z.record(z.string(), z.unknown()).optional(),
    /**
     * The embedded reference dispatcher as this many processes on one PostgreSQL outbox
     * (`dispatcherConfig.db: postgres://...`), behind a round-robin front; default 1.
     */
    dispatcherInstances: z.number().int().min(1).max(16).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.dispatcherInstances ?? 1) === 1) return;
    const db = s.dispatcherConfig?.db;
    if (s.dispatcher !== 'embedded') {
      ctx.addIssue({
        code: 'custom',
        path: ['dispatcherInstances'],
        message: 'runs the embedded reference dispatcher: `dispatcher` must be `embedded`',
      });
    } else if (typeof db !== 'string' || !/^postgres(ql)?:\/\//i.test(db)) {
      ctx.addIssue({
        code: 'custom',
        path: ['dispatcherInstances'],
        message: `${s.dispatcherInstances} instances share one outbox: set system.dispatcherConfig.db to a PostgreSQL URL (postgres://...)`,
      });
    }
  });

const PrometheusName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'a Prometheus metric name');

const Monitor = z
  .object({
    name: z.string().optional(),
    /** An absolute URL, or a path on the target such as `/metrics`. */
    url: z.union([z.url(), z.string().startsWith('/')]),
    /**
     * The series to keep: a metric name (kept as `<monitor name>.<metric>`), or `{ metric, as }`
     * to keep it under a short name (`{ metric: process_resident_memory_bytes, as: rss }` is
     * `dispatcher.rss`, for thresholds such as `dispatcher.rss.max: "< 256MB"`).
     */
    series: z
      .array(
        z.union([
          PrometheusName,
          z
            .object({ metric: PrometheusName, as: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a short name (letters, digits, _)') })
            .strict(),
        ]),
      )
      .min(1),
  })
  .strict();

const { timeouts: T, tolerances: TOL } = SCENARIO_DEFAULTS;

/** The scenario schema. */
export const Scenario = z
  .object({
    name: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'letters, digits, dot, dash and underscore (it names the report folder)'),
    seed: z.union([z.string(), z.number()]).optional(),
    system: System.default({ dispatcher: SCENARIO_DEFAULTS.dispatcher, providers: {}, token: SCENARIO_DEFAULTS.token }),
    load: z.array(LoadStep).min(1),
    monitors: z
      .object({ interval: durationMs().default(SCENARIO_DEFAULTS.monitorInterval), prometheus: z.array(Monitor).default([]) })
      .strict()
      .default({ interval: SCENARIO_DEFAULTS.monitorInterval, prometheus: [] }),
    thresholds: z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)])).default({}),
    timeouts: z
      .object({
        request: durationMs().default(T.request),
        preflight: durationMs().default(T.preflight),
        drain: durationMs().default(T.drain),
        campaign: durationMs().default(T.campaign),
      })
      .strict()
      .default({ ...T }),
    maxInFlight: count().default(SCENARIO_DEFAULTS.maxInFlight),
    tolerances: z
      .object({
        dropped: fraction().default(TOL.dropped),
        lagDegraded: durationMs().default(TOL.lagDegraded),
        lagInvalid: durationMs().default(TOL.lagInvalid),
        lateLimit: durationMs().default(TOL.lateLimit),
        eventLoopLag: durationMs().default(TOL.eventLoopLag),
        loopBusy: fraction().default(TOL.loopBusy),
      })
      .strict()
      .default({ ...TOL }),
  })
  .strict()
  .superRefine(checkFaults)
  .transform(nameSteps);

/** A restart fault names an instance that exists: 1..dispatcherInstances (1 for a dispatcher of your own). */
function checkFaults(
  s: { system: { dispatcher: unknown; dispatcherInstances?: number | undefined }; load: { fault?: { instance: number } | undefined }[] },
  ctx: z.RefinementCtx,
): void {
  const instances = s.system.dispatcher === 'embedded' ? (s.system.dispatcherInstances ?? 1) : 1;
  s.load.forEach((step, i) => {
    if (step.fault && step.fault.instance > instances)
      ctx.addIssue({
        code: 'custom',
        path: ['load', i, 'fault', 'instance'],
        message: `instance ${step.fault.instance} does not exist: the dispatcher runs as ${instances} process${instances > 1 ? 'es' : ''}`,
      });
  });
}

type RawScenario = Omit<z.output<typeof Scenario>, never>;

/** Gives every step a name (`phases-1`, `sweep-2`, `campaign-3` by position) and campaigns a recipient pattern. */
function nameSteps<
  S extends {
    load: {
      phases?: { name?: string };
      sweep?: { name?: string };
      campaign?: CampaignLike;
      search?: { name?: string };
      fault?: { name?: string };
    }[];
  },
>(s: S): S {
  s.load.forEach((step, i) => {
    if (step.fault) step.fault.name ??= `fault-${i + 1}`;
    if (step.search) step.search.name ??= `search-${i + 1}`;
    if (step.phases) step.phases.name ??= `phases-${i + 1}`;
    if (step.sweep) step.sweep.name ??= `sweep-${i + 1}`;
    if (step.campaign) {
      step.campaign.name ??= `campaign-${i + 1}`;
      step.campaign.pattern ??= `${step.campaign.name}-{n}`;
    }
  });
  return s;
}

interface CampaignLike {
  name?: string;
  pattern?: string;
}

/** A validated, defaulted scenario. */
export type Scenario = RawScenario;
/** One load step. */
export type LoadStep = Scenario['load'][number];
/** An arrival-rate phase. */
export type PhasesStep = z.output<typeof Phases>;
/** A closed-loop sweep. */
export type SweepStep = z.output<typeof Sweep>;
/** A campaign. */
export type CampaignStep = z.output<typeof Campaign>;
/** A fault on the system under test (a dispatcher restart). */
export type FaultStep = z.output<typeof Fault>;
/** A capacity search. */
export type SearchStep = z.output<typeof Search>;
/** A rate as written: per second, or a plan reference. */
export type RateValue = z.output<typeof Rate>;
