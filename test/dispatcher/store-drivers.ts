import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { it } from 'vitest';
import { withDefaultUser } from '../../dispatcher/store/pg-store.ts';

/** The stores the dispatcher suite runs against, like River runs its suite once per driver. */
export const DRIVERS = ['sqlite', 'postgres'] as const;
/** One of {@link DRIVERS}. */
export type Driver = (typeof DRIVERS)[number];

/** The PostgreSQL database tests create their schemas in. */
export const TEST_PG = process.env.FLOODGATE_TEST_PG ?? 'postgres:///floodgate_test?host=/var/run/postgresql';

let probe: Promise<string | undefined> | undefined;

/** Resolves to why PostgreSQL cannot be used (undefined: it can). Asked once per test file. */
export function postgresUnavailable(): Promise<string | undefined> {
  probe ??= (async () => {
    const client = new pg.Client({ connectionString: withDefaultUser(TEST_PG), connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (error) {
      return `PostgreSQL at ${TEST_PG} is unreachable (${(error as Error).message})`;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return probe;
}

/**
 * The drivers a test file runs. When PostgreSQL is unreachable: with FLOODGATE_REQUIRE_POSTGRES=1
 * (CI) the file fails with the reason; otherwise the PostgreSQL suite is reported as one skipped
 * test whose name says why, and the SQLite suite runs alone.
 */
export async function driversToRun(): Promise<Driver[]> {
  const reason = await postgresUnavailable();
  if (reason === undefined) return [...DRIVERS];
  if (process.env.FLOODGATE_REQUIRE_POSTGRES === '1') throw new Error(`${reason}, and FLOODGATE_REQUIRE_POSTGRES=1`);
  it.skip(`postgres store: skipped, ${reason} (set FLOODGATE_TEST_PG; FLOODGATE_REQUIRE_POSTGRES=1 makes this a failure)`, () => {});
  return ['sqlite'];
}

/**
 * A fresh, empty store for one test (or file): an SQLite file in `dir`, or a PostgreSQL schema
 * of its own (so test files run in parallel on one database) dropped by `drop`.
 */
export async function freshStore(driver: Driver, dir: string): Promise<{ db: string; drop: () => Promise<void> }> {
  if (driver === 'sqlite') return { db: join(dir, 'outbox.db'), drop: async () => {} };
  const schema = `fg_test_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: withDefaultUser(TEST_PG) });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE SCHEMA ${schema}`);
  const sep = TEST_PG.includes('?') ? '&' : '?';
  return {
    db: `${TEST_PG}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    drop: () => admin(`DROP SCHEMA ${schema} CASCADE`),
  };
}
