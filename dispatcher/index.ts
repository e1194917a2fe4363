import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type Clock, createRng, systemClock } from '../src/core/index.ts';
import type { DispatcherConfig } from './config.ts';
import { buildApp } from './http/app.ts';
import type { AppContext } from './http/context.ts';
import { createSender, type Sender } from './sender/sender.ts';
import { type Db, openDb } from './store/db.ts';
import { createOutbox, type Outbox } from './store/outbox.ts';
import { createIdempotencyStore, createReportStore } from './store/reports.ts';

export type { Channel, DispatcherConfigInput, ProviderConfig } from './config.ts';
export { CHANNELS, DispatcherConfig, parseDispatcherConfig } from './config.ts';

/** Options that are not configuration: what tests and embedders inject. */
export interface DispatcherOptions {
  clock?: Clock;
}

/** A running (or ready to run) dispatcher. */
export interface Dispatcher {
  app: FastifyInstance;
  db: Db;
  outbox: Outbox;
  senders: ReadonlyMap<string, Sender>;
  /** Binds the port, starts the senders, and resolves to the base URL. */
  listen(): Promise<string>;
  /** Stops the senders (outcomes written, unsent rows released), the server and the database. */
  close(): Promise<void>;
}

/**
 * Creates the reference dispatcher from a validated config: opens the outbox, removes
 * campaigns a crash left half-ingested (they were never answered 2xx), and prepares one
 * paced sender per provider account. Nothing is sent before `listen()`.
 */
export function createDispatcher(config: DispatcherConfig, options: DispatcherOptions = {}): Dispatcher {
  const clock = options.clock ?? systemClock;
  const db = openDb(config.db);
  const outbox = createOutbox(db);
  for (const id of outbox.abandonedIngests()) outbox.abortCampaign(id);
  const owner = randomInt(1, 2 ** 31 - 1);
  const rng = createRng(`${config.sender.seed}:${owner}`);
  const senders = new Map<string, Sender>();
  for (const [name, provider] of Object.entries(config.providers)) {
    senders.set(name, createSender({ name, provider, settings: config.sender, db, outbox, clock, rng, owner }));
  }
  const ctx: AppContext = {
    config,
    db,
    outbox,
    reports: createReportStore(db),
    idempotency: createIdempotencyStore(db),
    senders,
    clock,
  };
  const app = buildApp(ctx);
  let started = false;
  return {
    app,
    db,
    outbox,
    senders,
    async listen() {
      const address = await app.listen({ host: config.host, port: config.port });
      started = true;
      for (const s of senders.values()) s.start();
      return address;
    },
    async close() {
      if (started) await Promise.all([...senders.values()].map((s) => s.close()));
      await app.close();
      db.sql.close();
    },
  };
}
