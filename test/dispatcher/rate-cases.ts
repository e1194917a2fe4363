import { describe, expect, it } from 'vitest';
import { startStandInProvider } from '../helpers/stand-in-provider.ts';
import { call, providersFor, TOKEN, tempDir, waitDone } from './harness.ts';
import { type DispatcherProcess, killDispatcher, spawnDispatcher, writeConfig } from './process.ts';

const LIMIT = 200;

/**
 * Defines the rate tests. They run from `processes.test.ts` after the crash tests, not in
 * parallel with them: on 2 shared cores another campaign's CPU would be measured too.
 *
 * Against a provider that refuses anything over 200 in a sliding second: the dispatcher
 * (a real process, SIGKILLed once mid-campaign and restarted) never tips a window over, is
 * never refused, and runs at >= 97% of the limit while it sends.
 */
export function defineRateTests() {
  describe.each([
    ['push', 'push'],
    ['alimtalk', 'kakao'],
  ])('rate against a %s provider limited to 200/s', (channel, name) => {
    it('keeps every sliding 1 s window <= 200 across a restart and achieves >= 97% of 200', { timeout: 60_000 }, async () => {
      const provider = await startStandInProvider({ limit: LIMIT });
      const t = tempDir();
      let current: DispatcherProcess | undefined;
      try {
        const file = writeConfig(t.dir, {
          token: TOKEN,
          db: `${t.dir}/outbox.db`,
          port: 0,
          providers: { [name]: providersFor(provider.url, { tps: `${LIMIT}/s` })[name as 'push' | 'kakao'] },
          sender: { lease: '2s' },
        });
        current = await spawnDispatcher(file);
        const created = await call(current.url, '/v1/campaigns', {
          body: { channel, template: 'welcome', generator: { count: 1200, pattern: '010{n:8}' } },
        });
        expect(created.status).toBe(201);
        await new Promise((r) => setTimeout(r, 4000));
        await killDispatcher(current);
        current = await spawnDispatcher(file);
        const done = await waitDone(current.url, created.json.id as string, 40_000);
        expect(done.counts).toMatchObject({ sent: 1200 });
        const stats = provider.stats();
        // Achieved rate: the first 3 s of sending (before the kill), from the provider's own arrival times.
        const t0 = (provider.arrivals[0] as { at: number }).at;
        const steady = provider.arrivals.filter((a) => a.at >= t0 && a.at < t0 + 3000).reduce((n, a) => n + a.units, 0) / 3;
        console.info(`${channel}: max window ${stats.maxWindow}, rejected ${stats.rejected}, steady ${steady}/s`);
        expect(stats.rejected).toBe(0);
        expect(stats.maxWindow).toBeLessThanOrEqual(LIMIT);
        expect(steady).toBeGreaterThanOrEqual(0.97 * LIMIT);
      } finally {
        if (current) await killDispatcher(current);
        await provider.close();
        t.cleanup();
      }
    });
  });
}
