import Fastify, { type FastifyInstance } from 'fastify';
import type { ProviderStats } from '../src/core/index.ts';
import { type Clock, createRng, type Rng, systemClock } from '../src/core/index.ts';
import { adminPlugin } from './admin.ts';
import { type MocksConfigInput, type ProviderConfig, type ProviderKind, parseMocksConfig } from './config.ts';
import { serveH2c } from './h2c.ts';
import type { Journal } from './journal.ts';
import { MOCK_KINDS } from './kinds/index.ts';
import type { DuplicateLedger } from './ledger.ts';
import { MockMetrics } from './metrics.ts';
import { ProviderRuntime } from './runtime.ts';
import { sdkRootPlugin } from './sdk-root.ts';

/** One served provider, as the library factory hands it out. */
export interface MockProvider {
  readonly name: string;
  readonly kind: ProviderKind;
  /** Base URL (set by `listen()`): what a dispatcher is configured with. */
  readonly url: string;
  readonly ledger: DuplicateLedger;
  stats(): ProviderStats;
  /** Replaces top-level config keys at run time (validated; throws InputError). */
  reconfigure(partial: Record<string, unknown>): ProviderConfig;
  reset(): void;
  /** Resolves when no delivery report is pending (immediately for providers without reports). */
  callbacksIdle(): Promise<void>;
  /** A page of the request journal, by sequence number. */
  journal(offset?: number, limit?: number): ReturnType<Journal['page']>;
}

/** The mock providers on one fastify server. */
export interface MockProviders {
  listen(): Promise<{ urls: Record<string, string>; adminUrl: string; port: number }>;
  close(): Promise<void>;
  readonly providers: Record<string, MockProvider>;
  /** The fastify instance, for `inject()` in tests. */
  readonly app: FastifyInstance;
}

/** Injectable parts for tests: a manual clock, an RNG. */
export interface MockOptions {
  clock?: Clock;
  rng?: Rng;
}

/**
 * Builds the mock providers from a config (input form: units as strings are fine; parsed
 * with defaults here; bad input throws an InputError listing every problem). Each provider is mounted under `/<name>`; the admin API under
 * `/__mock/`; Prometheus at `/metrics`.
 */
export function createMockProviders(config: MocksConfigInput = {}, options: MockOptions = {}): MockProviders {
  const parsed = parseMocksConfig(config);
  const clock = options.clock ?? systemClock;
  const rng = options.rng ?? createRng(parsed.seed);
  const metrics = new MockMetrics();
  // forceCloseConnections: a hung request (fault `hang`) must not keep close() waiting.
  const app = Fastify({ bodyLimit: parsed.bodyLimit, forceCloseConnections: true, logger: false });
  const runtimes = new Map<string, ProviderRuntime>();
  for (const [name, providerConfig] of Object.entries(parsed.providers)) {
    const runtime = new ProviderRuntime(name, providerConfig, clock, rng, metrics);
    runtimes.set(name, runtime);
    app.register(MOCK_KINDS[providerConfig.kind].plugin, { prefix: `/${name}`, runtime });
  }
  app.register(adminPlugin, { runtimes, metrics, token: parsed.token });
  // firebase-admin's fixed paths: the FCM provider at the root too (sdk-root.ts).
  app.register(sdkRootPlugin, { runtimes });
  // The same port speaks h2c (HTTP/2 with prior knowledge) too, as FCM's endpoint speaks HTTP/2.
  const h2c = serveH2c(app.server, app.routing as never);

  const providers: Record<string, MockProvider> = {};
  for (const runtime of runtimes.values()) {
    providers[runtime.name] = {
      name: runtime.name,
      kind: runtime.config.kind,
      get url() {
        return runtime.url;
      },
      ledger: runtime.ledger,
      stats: () => runtime.stats(),
      reconfigure: (partial) => runtime.reconfigure(partial),
      reset: () => runtime.reset(),
      callbacksIdle: () => runtime.callbacks?.idle() ?? Promise.resolve(),
      journal: (offset = 0, limit = 100) => runtime.journal.page(offset, limit),
    };
  }

  return {
    app,
    providers,
    async listen() {
      await app.listen({ host: parsed.host, port: parsed.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : parsed.port;
      const host = parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
      const base = `http://${host}:${port}`;
      const urls: Record<string, string> = {};
      for (const runtime of runtimes.values()) {
        runtime.url = `${base}/${runtime.name}`;
        runtime.reset();
        urls[runtime.name] = runtime.url;
      }
      return { urls, adminUrl: `${base}/__mock`, port };
    },
    async close() {
      await Promise.all([...runtimes.values()].map((r) => r.callbacks?.close()));
      h2c.close();
      await app.close();
    },
  };
}
