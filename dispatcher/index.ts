import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type Clock, createRng, PROVIDERS, systemClock } from '../src/core/index.ts';
import type { DispatcherConfig } from './config.ts';
import { buildApp } from './http/app.ts';
import type { AppContext } from './http/context.ts';
import { createSender, type Sender } from './sender/sender.ts';
import { createPgStore } from './store/pg-store.ts';
import { createSqliteStore } from './store/sqlite-store.ts';
import { isPostgresUrl, type Store } from './store/store.ts';

export type { Channel, DispatcherConfigInput, ProviderConfig } from './config.ts';
export { CHANNELS, checkAccounts, DispatcherConfig, DispatcherConfigObject, parseDispatcherConfig } from './config.ts';

/** Options that are not configuration: what tests and embedders inject. */
export interface DispatcherOptions {
  clock?: Clock;
  /**
   * Opens the outbox the `db` setting names ({@link openStore} by default). Known-bad fixtures
   * swap one part of an otherwise reference dispatcher through it (e.g. a limiter of one process).
   */
  openStore?: (db: string) => Store;
}

/** A running (or ready to run) dispatcher. */
export interface Dispatcher {
  app: FastifyInstance;
  /** The outbox: SQLite (a file) or PostgreSQL (a `postgres://` URL), per the `db` setting. */
  store: Store;
  senders: ReadonlyMap<string, Sender>;
  /** Binds the port, starts the senders, and resolves to the base URL. */
  listen(): Promise<string>;
  /** Stops the senders (outcomes written, unsent rows released), the server and the database. */
  close(): Promise<void>;
}

/** Opens the store the `db` setting names: a `postgres://` / `postgresql://` URL, or an SQLite file. */
export function openStore(db: string): Store {
  return isPostgresUrl(db) ? createPgStore(db) : createSqliteStore(db);
}

/**
 * Creates the reference dispatcher from a validated config: opens the outbox (an SQLite file
 * is opened at once, so a bad path is refused here), and prepares one paced sender per
 * provider account. The store's schema and the removal of campaigns a crash left
 * half-ingested (never answered 2xx) run before the first request is served or
 * `listen()` resolves. Nothing is sent before `listen()`.
 */
export function createDispatcher(config: DispatcherConfig, options: DispatcherOptions = {}): Dispatcher {
  const clock = options.clock ?? systemClock;
  const store = (options.openStore ?? openStore)(config.db);
  const ready = store.init(Math.round(clock.now()));
  // Awaited by the app's onReady hook; until then a failure must not be an unhandled rejection.
  ready.catch(() => {});
  const owner = randomInt(1, 2 ** 31 - 1);
  const rng = createRng(`${config.sender.seed}:${owner}`);
  const senders = new Map<string, Sender>();
  for (const [name, provider] of Object.entries(config.providers)) {
    // Checked by the config: a fallback names another configured account, of another channel.
    const to = 'fallback' in provider ? provider.fallback : undefined;
    const target = to === undefined ? undefined : config.providers[to];
    const fallback = to !== undefined && target ? { provider: to, channel: PROVIDERS[target.kind].channel } : undefined;
    senders.set(
      name,
      createSender({ name, provider, settings: config.sender, store, clock, rng, owner, ...(fallback ? { fallback } : {}) }),
    );
  }
  const ctx: AppContext = { config, store, senders, clock };
  const app = buildApp(ctx);
  app.addHook('onReady', async () => {
    await ready;
  });
  let started = false;
  return {
    app,
    store,
    senders,
    async listen() {
      const address = await app.listen({ host: config.host, port: config.port });
      started = true;
      for (const s of senders.values()) await s.start();
      return address;
    },
    async close() {
      if (started) await Promise.all([...senders.values()].map((s) => s.close()));
      await app.close();
      await ready.catch(() => {});
      await store.close();
    },
  };
}
