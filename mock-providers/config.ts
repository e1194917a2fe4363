import { z } from 'zod';
import { count, durationMs, InputError, parseConfigObject, ratePerSecond, share, sizeBytes } from '../src/core/index.ts';

/**
 * The schema of `mocks.yaml` and of `createMockProviders(config)`. Every default lives in
 * {@link DEFAULTS}; objects are `.strict()` so a misspelt key is an error with a hint.
 *
 * Parsing is idempotent (parse(parse(x)) equals parse(x)): durations also accept a bare
 * number, read as milliseconds, so a parsed config can be merged with a partial one and
 * parsed again when it is changed at run time (`PUT /__mock/<name>/config`).
 */

/** A duration: `40ms`, `1.5s`, or a number of milliseconds. */
const ms = () => z.union([z.number().nonnegative(), durationMs()]);

/** Every default, in one place. */
export const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  seed: 'floodgate',
  bodyLimit: 4 * 1024 * 1024,
  journal: 10_000,
  dedupeWindow: 600_000,
  idempotencyWindow: 600_000,
  latency: { fixed: 0 },
  fault: { status: 503, probability: 1 },
  fcm: { tps: 10_000, window: 60_000, projectId: null },
  ses: { tps: 14, quota: 50_000, quotaWindow: 86_400_000 },
  sendgrid: { tps: 600, window: 1_000 },
  alimtalk: {
    tps: 200,
    window: 1_000,
    algorithm: 'window',
    overLimit: 'reject',
    appKey: 'floodgate-app',
    secretKey: null,
    senderKeys: ['floodgate-sender'],
    templates: { welcome: '안녕하세요 #{name}님, floodgate에 오신 것을 환영합니다.' },
  },
  callbacks: {
    url: null,
    delay: { fixed: 100 },
    maxAttempts: 5,
    backoff: 500,
    timeout: 5_000,
    failureRate: 0,
    failureCode: '3018',
    duplicateRate: 0,
    reorderRate: 0,
    concurrency: 64,
    keep: 100_000,
  },
} as const;

/** Response time of a provider: fixed, uniform, or lognormal from its median and p99. */
export const LatencySpec = z.union([
  z.object({ fixed: ms() }).strict(),
  z.object({ min: ms(), max: ms() }).strict(),
  z.object({ median: ms(), p99: ms() }).strict(),
]);
export type LatencySpec = z.output<typeof LatencySpec>;

/** Refuses a pattern `new RegExp` would throw on, with the engine's reason (e.g. "Unterminated group"). */
function checkRegex(pattern: string, ctx: z.RefinementCtx): void {
  try {
    new RegExp(pattern);
  } catch (error) {
    const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${reason})`, input: pattern });
  }
}

/**
 * A fault: when it applies (all given conditions must hold; none given = always) and what
 * happens. `status` answers that HTTP status with the provider's own error body; `reset`
 * drops the connection; `hang` never answers; `unreported` accepts but never reports.
 */
export const FaultSpec = z
  .object({
    action: z.enum(['status', 'reset', 'hang', 'unreported']),
    status: z.number().int().min(400).max(599).default(DEFAULTS.fault.status),
    probability: share().default(DEFAULTS.fault.probability),
    /** Offsets from the start (listen or reset) between which the fault applies. */
    from: ms().optional(),
    until: ms().optional(),
    /** A regular expression a recipient must match (any recipient of a request); checked here, so a bad one is a 400 / exit 4. */
    recipient: z.string().superRefine(checkRegex).optional(),
  })
  .strict();
export type FaultSpec = z.output<typeof FaultSpec>;

/** Delivery reports: where, after how long, how retried, and deliberate misbehaviour for tests. */
export const CallbacksSpec = z
  .object({
    url: z.string().url().nullable().default(DEFAULTS.callbacks.url),
    delay: LatencySpec.default(DEFAULTS.callbacks.delay),
    maxAttempts: z.number().int().min(1).default(DEFAULTS.callbacks.maxAttempts),
    /** First retry after this long, doubling each attempt (with jitter). */
    backoff: ms().default(DEFAULTS.callbacks.backoff),
    timeout: ms().default(DEFAULTS.callbacks.timeout),
    /** Share of reports that say the message failed (`failureCode`); those are not delivered. */
    failureRate: share().default(DEFAULTS.callbacks.failureRate),
    failureCode: z.string().default(DEFAULTS.callbacks.failureCode),
    /** Share of reports sent twice, and share held back so later ones overtake them. */
    duplicateRate: share().default(DEFAULTS.callbacks.duplicateRate),
    reorderRate: share().default(DEFAULTS.callbacks.reorderRate),
    concurrency: z.number().int().min(1).default(DEFAULTS.callbacks.concurrency),
    /** How many attempts to keep for `/__mock/<name>/callbacks`. */
    keep: count().default(DEFAULTS.callbacks.keep),
  })
  .strict();
export type CallbacksSpec = z.output<typeof CallbacksSpec>;

/** Keys every kind takes. */
const common = {
  latency: LatencySpec.default(DEFAULTS.latency),
  faults: z.array(FaultSpec).default([]),
  dedupe: z.boolean().default(false),
  dedupeWindow: ms().default(DEFAULTS.dedupeWindow),
  journal: count().default(DEFAULTS.journal),
};

/** Limit in the provider's unit, per second (`600000/min` is fine); null = unlimited. */
const tps = (fallback: number) => z.union([z.null(), ratePerSecond()]).default(fallback);

/** FCM HTTP v1: messages in a window that opens at the first message. */
export const FcmConfig = z
  .object({
    kind: z.literal('fcm'),
    tps: tps(DEFAULTS.fcm.tps),
    window: ms().default(DEFAULTS.fcm.window),
    projectId: z.string().nullable().default(DEFAULTS.fcm.projectId),
    ...common,
  })
  .strict();

/** Amazon SES v2: recipients in a token bucket that may go into debt, plus a rolling quota. */
export const SesConfig = z
  .object({
    kind: z.literal('ses'),
    tps: tps(DEFAULTS.ses.tps),
    quota: z.union([z.null(), count()]).default(DEFAULTS.ses.quota),
    quotaWindow: ms().default(DEFAULTS.ses.quotaWindow),
    ...common,
  })
  .strict();

/** SendGrid v3: requests in a fixed window aligned to the epoch. */
export const SendgridConfig = z
  .object({
    kind: z.literal('sendgrid'),
    tps: tps(DEFAULTS.sendgrid.tps),
    window: ms().default(DEFAULTS.sendgrid.window),
    ...common,
  })
  .strict();

/** A Korean Alimtalk broker (NHN-Cloud-like): recipients per second, templates, reports. */
export const AlimtalkConfig = z
  .object({
    kind: z.literal('alimtalk'),
    tps: tps(DEFAULTS.alimtalk.tps),
    window: ms().default(DEFAULTS.alimtalk.window),
    algorithm: z.enum(['window', 'bucket', 'sliding']).default(DEFAULTS.alimtalk.algorithm),
    overLimit: z.enum(['reject', 'code', 'brownout']).default(DEFAULTS.alimtalk.overLimit),
    appKey: z.string().default(DEFAULTS.alimtalk.appKey),
    secretKey: z.string().nullable().default(DEFAULTS.alimtalk.secretKey),
    senderKeys: z
      .array(z.string())
      .min(1)
      .default([...DEFAULTS.alimtalk.senderKeys]),
    /** Registered templates: code -> text with `#{var}` parameters. */
    templates: z.record(z.string(), z.string()).default({ ...DEFAULTS.alimtalk.templates }),
    idempotencyWindow: ms().default(DEFAULTS.idempotencyWindow),
    callbacks: CallbacksSpec.default(CallbacksSpec.parse({})),
    ...common,
  })
  .strict();

/** One provider's configuration, told apart by `kind`. */
export const ProviderConfig = z.discriminatedUnion('kind', [FcmConfig, SesConfig, SendgridConfig, AlimtalkConfig]);
export type ProviderConfig = z.output<typeof ProviderConfig>;
export type ProviderKind = ProviderConfig['kind'];
export type FcmConfig = z.output<typeof FcmConfig>;
export type SesConfig = z.output<typeof SesConfig>;
export type SendgridConfig = z.output<typeof SendgridConfig>;
export type AlimtalkConfig = z.output<typeof AlimtalkConfig>;

/** The providers served when a config names none: one of each kind, with defaults. */
export const DEFAULT_PROVIDERS = {
  fcm: { kind: 'fcm' },
  ses: { kind: 'ses' },
  sendgrid: { kind: 'sendgrid' },
  alimtalk: { kind: 'alimtalk' },
} as const;

/** `mocks.yaml`. */
export const MocksConfig = z
  .object({
    host: z.string().default(DEFAULTS.host),
    /**
     * The admin API's bearer token (`/__mock/...`); required when `host` is not a loopback address,
     * so nothing beyond this machine can reset, reconfigure or read the mocks without it.
     */
    token: z.string().min(8, 'a token of at least 8 characters').nullable().default(null),
    port: z.number().int().min(0).max(65535).default(DEFAULTS.port),
    seed: z.union([z.string(), z.number()]).default(DEFAULTS.seed),
    bodyLimit: sizeBytes().default(DEFAULTS.bodyLimit),
    providers: z
      .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'provider names are lower-case words (they become URL prefixes)'), ProviderConfig)
      .default(() => Object.fromEntries(Object.entries(DEFAULT_PROVIDERS).map(([name, p]) => [name, ProviderConfig.parse(p)]))),
  })
  .strict();
export type MocksConfig = z.output<typeof MocksConfig>;
export type MocksConfigInput = z.input<typeof MocksConfig>;

/**
 * Parses a config given in code (not from a file: `loadConfigFile` does that with positions),
 * throwing one InputError that lists every problem with its key path.
 */
export function parseMocksConfig(input: unknown): MocksConfig {
  const config = parseConfigObject(MocksConfig, input, 'mock providers config');
  if (!isLoopback(config.host) && config.token === null) {
    throw new InputError('FG_CONFIG_INVALID', `mock providers config: listening on ${config.host} (beyond loopback) needs an admin token`, {
      issues: [
        {
          path: ['token'],
          message: `host ${config.host} is reachable from other machines: set \`token\` (or --token / FLOODGATE_MOCK_TOKEN)`,
        },
      ],
    });
  }
  return config;
}

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === 'localhost' || host === '[::1]';
}
