import { describe, expect, it } from 'vitest';
import { startEmbeddedSystemInChild } from '../../src/cli/run/embedded-process.ts';
import { Scenario } from '../../src/config/index.ts';
import { FloodgateError } from '../../src/core/index.ts';

const system = (extra: Record<string, unknown> = {}) =>
  Scenario.parse({
    name: 'child',
    system: { dispatcher: 'embedded', providers: { alimtalk: { kind: 'alimtalk', tps: 200 } }, ...extra },
    load: [{ campaign: { name: 'w', channel: 'alimtalk', recipients: 1, template: 'welcome', params: { name: 'x' } } }],
  }).system;

describe('the embedded system in a child process', () => {
  it('serves the dispatcher and the mocks from another process, and is gone after close()', { timeout: 60_000 }, async () => {
    const sut = await startEmbeddedSystemInChild(system(), { withDispatcher: true });
    let closed = false;
    try {
      expect((await fetch(`${sut.targetUrl}/healthz`)).status).toBe(200);
      const admin = sut.providers.alimtalk?.adminUrl;
      expect((await fetch(`${admin}/__mock/alimtalk/stats`)).status).toBe(200);
      await sut.close();
      closed = true;
      await expect(fetch(`${sut.targetUrl}/healthz`)).rejects.toThrow();
    } finally {
      if (!closed) await sut.close();
    }
  });

  it('reports a bad embedded config as bad input (exit 4), not a crash', { timeout: 60_000 }, async () => {
    const error = await startEmbeddedSystemInChild(system({ dispatcherConfig: { nonsense: 1 } }), { withDispatcher: true }).catch((e) => e);
    expect(error).toBeInstanceOf(FloodgateError);
    expect((error as FloodgateError).exitCode).toBe(4);
    expect((error as FloodgateError).message).toMatch(/dispatcher config/);
  });
});
