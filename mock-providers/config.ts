import { z } from 'zod';
import { InputError, PROVIDER_KINDS, type ProviderKind, parseConfigObject, sizeBytes } from '../src/core/index.ts';
import { DEFAULTS } from './config-parts.ts';
import { MOCK_KIND_CONFIGS } from './kinds/index.ts';

/**
 * The schema of `mocks.yaml` and of `createMockProviders(config)`. Shared defaults live in
 * `config-parts.ts`, each kind's in `kinds/<kind>.ts`; objects are `.strict()` so a misspelt key is
 * an error with a hint. Parsing is idempotent (see config-parts.ts).
 */

export { CallbacksSpec, DEFAULTS, FaultSpec, LatencySpec } from './config-parts.ts';
export { AlimtalkConfig } from './kinds/alimtalk.ts';
export { FcmConfig } from './kinds/fcm.ts';
export { SendgridConfig } from './kinds/sendgrid.ts';
export { SesConfig } from './kinds/ses.ts';
export type { ProviderKind };

/** One provider's configuration, told apart by `kind` (every kind in `kinds/index.ts`). */
export const ProviderConfig = z.discriminatedUnion('kind', MOCK_KIND_CONFIGS);
export type ProviderConfig = z.output<typeof ProviderConfig>;

/** The providers served when a config names none: one of each registered kind, with defaults. */
export const DEFAULT_PROVIDERS = Object.fromEntries(PROVIDER_KINDS.map((kind) => [kind, { kind }])) as {
  readonly [K in ProviderKind]: { readonly kind: K };
};

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
