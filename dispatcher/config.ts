import { z } from 'zod';
import { count, durationMs, parseConfigObject, ratePerSecond, sizeBytes } from '../src/core/index.ts';

/**
 * The dispatcher's configuration: every default lives here and nowhere else (`prefault` feeds
 * the default through the field's parser, so defaults are written in units like the YAML). Unit fields come
 * from core, so a YAML file may say `tps: 200/s`, `lease: 30s`, `maxLineBytes: 64KB`.
 */

const common = {
  /** Base URL of the provider (the mock's per-provider URL, or the real API). */
  baseUrl: z.url(),
  /** The account's limit in the provider's unit per second; absent means unlimited. */
  tps: ratePerSecond().optional(),
  /** Concurrent requests to this provider. */
  maxInFlight: z.number().int().min(1).max(1024).default(16),
  /** Per-request timeout (headers and body); a timeout is retried with the same client key. */
  timeout: durationMs().prefault('5s'),
};

const AlimtalkProvider = z
  .object({
    kind: z.literal('alimtalk'),
    ...common,
    appKey: z.string().min(1).prefault('floodgate-app'),
    secretKey: z.string().min(1).prefault('floodgate-secret'),
    senderKey: z.string().min(1).prefault('floodgate-sender'),
    /** Recipients per request (the broker allows up to 1,000); the limiter counts recipients. */
    batchSize: z.number().int().min(1).max(1000).default(1000),
  })
  .strict();

const FcmProvider = z
  .object({
    kind: z.literal('fcm'),
    ...common,
    projectId: z.string().min(1).prefault('floodgate'),
    accessToken: z.string().min(1).prefault('floodgate-token'),
  })
  .strict();

const SesProvider = z
  .object({
    kind: z.literal('ses'),
    ...common,
    from: z.string().min(3).prefault('noreply@floodgate.test'),
  })
  .strict();

const SendgridProvider = z
  .object({
    kind: z.literal('sendgrid'),
    ...common,
    apiKey: z.string().min(1).prefault('floodgate-key'),
    from: z.string().min(3).prefault('noreply@floodgate.test'),
  })
  .strict();

/** One provider account the dispatcher sends through. */
export const ProviderConfig = z.discriminatedUnion('kind', [AlimtalkProvider, FcmProvider, SesProvider, SendgridProvider]);
/** A validated provider account. */
export type ProviderConfig = z.output<typeof ProviderConfig>;

/** The dispatcher's whole configuration (YAML or object). */
export const DispatcherConfig = z
  .object({
    /** Bearer token that guards every write endpoint. */
    token: z.string().min(8),
    /** SQLite file (WAL). `:memory:` is allowed for throwaway runs. */
    db: z.string().min(1).prefault('floodgate-dispatcher.db'),
    host: z.string().min(1).prefault('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
    /** Provider accounts by name; a campaign names one (or its channel's only one). */
    providers: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), ProviderConfig).default({}),
    sender: z
      .object({
        /** Rows claimed per page; capped so a page is sent within a third of the lease. */
        pageSize: count().default(2000),
        /** How long a claimed row stays owned; a crash makes its rows claimable after this. */
        lease: durationMs().prefault('10s'),
        /** Outcomes are written in one transaction at least this often. */
        outcomeFlush: durationMs().prefault('25ms'),
        /** How often an idle sender looks for new work. */
        poll: durationMs().prefault('50ms'),
        retryBase: durationMs().prefault('250ms'),
        retryMax: durationMs().prefault('30s'),
        /** Retryable failures (5xx, timeouts) before a row is failed for good. */
        maxAttempts: z.number().int().min(1).default(10),
        /** Seed for backoff jitter, so runs repeat. */
        seed: z.union([z.string(), z.number()]).prefault('floodgate-dispatcher'),
      })
      .strict()
      .prefault({}),
    ingest: z
      .object({
        /** Rows per ingest transaction. */
        batchSize: z.number().int().min(1).max(100_000).default(5000),
        /** Longest accepted NDJSON/CSV line. */
        maxLineBytes: sizeBytes().prefault('64KB'),
        /** Largest JSON body (inline recipient lists); bigger lists are streamed as NDJSON or CSV. */
        jsonBodyLimit: sizeBytes().prefault('4MB'),
        /** Largest generator count (test campaigns). */
        maxGenerated: count().prefault('10M'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** A validated, defaulted dispatcher configuration. */
export type DispatcherConfig = z.output<typeof DispatcherConfig>;
/** What a caller may write before validation (units as strings). */
export type DispatcherConfigInput = z.input<typeof DispatcherConfig>;

/** Validates a config object (for embedding and tests); YAML files go through `loadConfigFile`. */
export function parseDispatcherConfig(input: unknown): DispatcherConfig {
  return parseConfigObject(DispatcherConfig, input, 'dispatcher config');
}

/** The channel a provider kind serves: campaigns name a channel, the config maps it to accounts. */
export const CHANNEL_OF_KIND = { alimtalk: 'alimtalk', fcm: 'push', ses: 'email', sendgrid: 'email' } as const;
/** Channels a campaign may name. */
export const CHANNELS = ['alimtalk', 'push', 'email'] as const;
/** A campaign's channel. */
export type Channel = (typeof CHANNELS)[number];
