import { describe, expect, it } from 'vitest';
import { startEmbeddedSystemInChild } from '../../src/cli/run/embedded-process.ts';
import { Scenario } from '../../src/config/index.ts';

const system = () =>
  Scenario.parse({
    name: 'restart',
    system: { dispatcher: 'embedded', providers: { alimtalk: { kind: 'alimtalk', tps: 200 } } },
    load: [{ campaign: { name: 'w', channel: 'alimtalk', recipients: 1, template: 'welcome', params: { name: 'x' } } }],
  }).system;

describe('the embedded system started restartable (a scenario with a restart fault)', () => {
  it('restarts the dispatcher behind its front: 503 JSON while down, the mocks up throughout, a new process after', {
    timeout: 90_000,
  }, async () => {
    const plain = await startEmbeddedSystemInChild(system(), { withDispatcher: true });
    await plain.close();
    // Without a fault the dispatcher lives in the child itself: nothing to restart.
    expect(plain.restart).toBeUndefined();

    const sut = await startEmbeddedSystemInChild(system(), { withDispatcher: true, restartable: true });
    try {
      const restart = sut.restart;
      if (!restart) throw new Error('no restart capability');
      expect((await fetch(`${sut.targetUrl}/healthz`)).status).toBe(200);
      const admin = `${sut.providers.alimtalk?.adminUrl}/__mock/alimtalk/stats`;
      const asked = Date.now();
      const restarting = restart({ instance: 1, signal: 'SIGKILL', downMs: 1500 });
      // While it is down (1.5 s at least) the front answers, with a 503 that says why; the mocks stay up.
      let down: { status: number; body: unknown } | undefined;
      for (let i = 0; i < 100 && !down; i++) {
        const res = await fetch(`${sut.targetUrl}/healthz`);
        const body = await res.json();
        if (res.status === 503) down = { status: res.status, body };
        else await new Promise((r) => setTimeout(r, 20));
      }
      expect(down).toEqual({ status: 503, body: { error: 'unavailable', message: expect.stringMatching(/restarting/) } });
      expect((await fetch(admin)).status).toBe(200);
      const timing = await restarting;
      expect(timing.killedAt).toBeGreaterThanOrEqual(asked);
      expect(timing.readyAt - timing.killedAt).toBeGreaterThanOrEqual(1500);
      expect((await fetch(`${sut.targetUrl}/healthz`)).status).toBe(200);
      // A second restart works the same (the new process is floodgate's too), and a wrong instance is refused.
      await expect(restart({ instance: 2, signal: 'SIGKILL', downMs: 0 })).rejects.toThrow(/instance 2 is not running/);
      const again = await restart({ instance: 1, signal: 'SIGTERM', downMs: 0 });
      expect(again.readyAt).toBeGreaterThanOrEqual(again.killedAt);
      expect((await fetch(`${sut.targetUrl}/healthz`)).status).toBe(200);
    } finally {
      await sut.close();
    }
    await expect(fetch(`${sut.targetUrl}/healthz`)).rejects.toThrow();
  });
});
