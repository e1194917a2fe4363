import { z } from 'zod';
import { count, durationMs, PROVIDERS, parseConfigObject, sizeBytes } from '../src/core/index.ts';
import { ACCOUNT_CONFIGS } from './kinds/index.ts';

/**
 * The dispatcher's configuration: every default lives here and nowhere else (`prefault` feeds
 * the default through the field's parser, so defaults are written in units like the YAML). Unit fields come
 * from core, so a YAML file may say `tps: 200/s`, `lease: 30s`, `maxLineBytes: 64KB`.
 */

/** One provider account the dispatcher sends through. */
export const ProviderConfig = z.discriminatedUnion('kind', ACCOUNT_CONFIGS);
/** A validated provider account. */
export type ProviderConfig = z.output<typeof ProviderConfig>;

/** The dispatcher's configuration object before the cross-field checks ({@link checkAccounts}); `.extend` it, not {@link DispatcherConfig}. */
export const DispatcherConfigObject = z
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

/** Cross-field checks: a fallback names another configured account, of another channel (Alimtalk -> SMS). */
export function checkAccounts(config: { providers: Record<string, ProviderConfig> }, ctx: z.RefinementCtx): void {
  for (const [name, account] of Object.entries(config.providers)) {
    const to = 'fallback' in account ? account.fallback : undefined;
    if (to === undefined) continue;
    const target = Object.hasOwn(config.providers, to) ? config.providers[to] : undefined;
    const message =
      target === undefined
        ? `no provider account \`${to}\` to fall back to (configured: ${Object.keys(config.providers).join(', ')})`
        : PROVIDERS[target.kind].channel === PROVIDERS[account.kind].channel
          ? `\`${to}\` serves the same channel (${PROVIDERS[account.kind].channel}); a fallback is another channel, e.g. an sms account`
          : undefined;
    if (message) ctx.addIssue({ code: 'custom', path: ['providers', name, 'fallback'], message });
  }
}

/** The dispatcher's whole configuration (YAML or object). */
export const DispatcherConfig = DispatcherConfigObject.superRefine(checkAccounts);

/** A validated, defaulted dispatcher configuration. */
export type DispatcherConfig = z.output<typeof DispatcherConfig>;
/** What a caller may write before validation (units as strings). */
export type DispatcherConfigInput = z.input<typeof DispatcherConfig>;

/** Validates a config object (for embedding and tests); YAML files go through `loadConfigFile`. */
export function parseDispatcherConfig(input: unknown): DispatcherConfig {
  return parseConfigObject(DispatcherConfig, input, 'dispatcher config');
}

export type { Channel } from '../src/core/index.ts';
/** Channels a campaign may name: those of the registered kinds (src/core/providers.ts). */
export { CHANNELS } from '../src/core/index.ts';
