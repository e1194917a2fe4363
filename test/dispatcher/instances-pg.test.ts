import { afterAll, describe, expect, it } from 'vitest';
import { runInstances } from './instances.ts';
import { driversToRun, freshStore } from './store-drivers.ts';

const LIMIT = 200;
/** Full size (20,000) is `npm run bench:dispatcher`; CI runs 10 s of sending per case. */
const RECIPIENTS = Number(process.env.FLOODGATE_INSTANCES_RECIPIENTS ?? 2000);

const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const drop of drops) await drop();
});

/**
 * N dispatcher processes on one PostgreSQL database share one provider account limited to
 * 200/s. The mock admits everything and measures every sliding second, so an instance pacing
 * on its own would show up as up to N x 200. Run one after another: on 2 shared cores a
 * parallel campaign's CPU would be measured too. How close to the limit they run is wall-clock
 * throughput, which a loaded machine lowers: logged here and held to half the limit (a limiter
 * that serialised the processes fell to a third); the 90% goal is measured by
 * `npm run bench:dispatcher` (`instances.limitedTo200PerSecond`, 20,000 recipients).
 */
const postgres = (await driversToRun()).includes('postgres');
describe.skipIf(!postgres)('N instances on PostgreSQL sharing a 200/s account', () => {
  it.each([1, 2, 4])('%i instance(s): no sliding second over 200, each recipient once, near the limit', { timeout: 120_000 }, async (n) => {
    const store = await freshStore('postgres', '');
    drops.push(store.drop);
    const run = await runInstances({
      instances: n,
      recipients: RECIPIENTS,
      db: store.db,
      tps: `${LIMIT}/s`,
      mockTps: null,
      latency: { median: 20, p99: 60 },
      batchSize: 10,
      maxInFlight: 8,
    });
    console.info(`instances=${n}`, run);
    expect(run.deliveries).toBe(RECIPIENTS);
    expect(run.duplicates).toBe(0);
    expect(run.maxSlidingSecond).toBeLessThanOrEqual(LIMIT);
    expect(run.achievedPerSecond).toBeGreaterThanOrEqual(0.5 * LIMIT);
  });
});
