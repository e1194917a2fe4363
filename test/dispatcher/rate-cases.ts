import { describe, expect, it } from 'vitest';
import { startProviderMocks } from '../helpers/provider-mocks.ts';
import { call, providersFor, TOKEN, tempDir, waitDone } from './harness.ts';
import { type DispatcherProcess, killDispatcher, spawnDispatcher, writeConfig } from './process.ts';

const LIMIT = 200;

/**
 * Defines the rate tests. They run from `processes.test.ts` after the crash tests, not in
 * parallel with them: on 2 shared cores another campaign's CPU would be measured too.
 *
 * Against the mock providers refusing anything over 200 a second (Alimtalk: a sliding log; FCM:
 * 1 s windows), measured by the mock's own sliding-window recorder: the dispatcher
 * (a real process, SIGKILLed once mid-campaign and restarted) never tips a window over and is
 * never refused. How close to the limit it runs is wall-clock throughput, which a loaded machine
 * lowers: it is logged here, and asserted on virtual time in limiter.test.ts (> 90% of the limit
 * with latency jitter).
 */
export function defineRateTests() {
  describe.each([
    ['push', 'push'],
    ['alimtalk', 'kakao'],
  ])('rate against a %s provider limited to 200/s', (channel, name) => {
    it('keeps every sliding 1 s window <= 200 across a restart, is never refused, and sends them all', { timeout: 60_000 }, async () => {
      const provider = await startProviderMocks({ limit: LIMIT });
      const t = tempDir();
      let current: DispatcherProcess | undefined;
      try {
        const file = writeConfig(t.dir, {
          token: TOKEN,
          db: `${t.dir}/outbox.db`,
          port: 0,
          providers: { [name]: providersFor(provider.urls, { tps: `${LIMIT}/s` })[name as 'push' | 'kakao'] },
          sender: { lease: '2s' },
        });
        current = await spawnDispatcher(file);
        const created = await call(current.url, '/v1/campaigns', {
          body: { channel, template: 'welcome', params: { name: 'Kim' }, generator: { count: 1200, pattern: '010{n:8}' } },
        });
        expect(created.status).toBe(201);
        await new Promise((r) => setTimeout(r, 4000));
        await killDispatcher(current);
        current = await spawnDispatcher(file);
        const done = await waitDone(current.url, created.json.id as string, 40_000);
        expect(done.counts).toMatchObject({ sent: 1200 });
        const mock = channel === 'push' ? 'fcm' : 'alimtalk';
        const stats = provider.stats(mock);
        // Achieved rate: the first 3 s of sending (before the kill), from the mock's journal of accepted requests.
        const admitted = (provider.mocks.providers[mock]?.journal(0, 10_000).entries ?? []).filter((e) => e.outcome === 'accepted');
        const t0 = admitted[0]?.t ?? 0;
        const steady = admitted.filter((a) => a.t >= t0 && a.t < t0 + 3000).reduce((n, a) => n + a.units, 0) / 3;
        console.info(`${channel}: max window ${stats.maxPerSecondWindow}, rejected ${stats.rejected}, steady ${steady}/s`);
        expect(stats.rejected).toBe(0);
        expect(stats.maxPerSecondWindow).toBeLessThanOrEqual(LIMIT);
        expect(steady).toBeGreaterThan(0);
      } finally {
        if (current) await killDispatcher(current);
        await provider.close();
        t.cleanup();
      }
    });
  });
}
