import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dispatcher } from '../../dispatcher/index.ts';
import { createMockProviders, type MockProviders } from '../../mock-providers/index.ts';
import { call, startDispatcher, tempDir, waitDone } from '../dispatcher/harness.ts';

/**
 * Prometheus's own linter on what both servers really expose: the reference dispatcher's and
 * the mock providers' `/metrics`, after some traffic so every labelled series is present.
 * Without promtool (Debian package `prometheus`) the checks are skipped, except in CI.
 */
const promtoolFound = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
const inCi = process.env.CI === 'true';
const SKIP_REASON = 'promtool not installed (Debian/Ubuntu: apt-get install prometheus); required when CI=true';

/** Runs `promtool check metrics` on an exposition; returns its exit status and findings. */
function promtoolCheck(exposition: string): { status: number | null; findings: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, findings: `${r.stdout}${r.stderr}`.trim() };
}

let mocks: MockProviders;
let dispatcher: Dispatcher;
let dispatcherUrl: string;
let mocksOrigin: string;
let cleanup: () => void = () => {};

beforeAll(async () => {
  if (!promtoolFound) return;
  mocks = createMockProviders({ providers: { fcm: { kind: 'fcm', tps: null }, alimtalk: { kind: 'alimtalk', tps: 1 } } });
  const { urls, adminUrl } = await mocks.listen();
  mocksOrigin = adminUrl.replace(/\/__mock$/, '');
  const t = tempDir();
  cleanup = t.cleanup;
  ({ d: dispatcher, url: dispatcherUrl } = await startDispatcher(t.dir, {
    providers: { push: { kind: 'fcm', baseUrl: urls.fcm }, kakao: { kind: 'alimtalk', baseUrl: urls.alimtalk, batchSize: 1 } },
  }));
  // Traffic: sends on both, and 429s from the Alimtalk mock (1/s, the dispatcher not told).
  const push = await call(dispatcherUrl, '/v1/campaigns', {
    body: { channel: 'push', template: 't', generator: { count: 5, pattern: 'device-{n}' } },
  });
  await call(dispatcherUrl, '/v1/campaigns', {
    body: { channel: 'alimtalk', template: 'welcome', params: { name: 'Kim' }, recipients: ['01000000001', '01000000002'] },
  });
  await waitDone(dispatcherUrl, push.json.id as string, 20_000);
});

afterAll(async () => {
  await dispatcher?.close();
  await mocks?.close();
  cleanup();
});

describe('promtool check metrics', () => {
  it.for([
    ['the reference dispatcher', () => `${dispatcherUrl}/metrics`],
    ['the mock providers', () => `${mocksOrigin}/metrics`],
  ] as const)('passes on the /metrics of %s', async ([, url], context) => {
    if (!promtoolFound) {
      if (inCi) throw new Error(SKIP_REASON);
      console.warn(`skipped: ${SKIP_REASON}`);
      context.skip(SKIP_REASON);
    }
    const res = await fetch(url());
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE /m);
    expect(promtoolCheck(text)).toEqual({ status: 0, findings: '' });
  });

  it('fails on a gauge named like a counter (the check can fail)', (context) => {
    if (!promtoolFound) {
      if (inCi) throw new Error(SKIP_REASON);
      context.skip(SKIP_REASON);
    }
    const bad = '# HELP x_active_total Active.\n# TYPE x_active_total gauge\nx_active_total 1\n';
    const r = promtoolCheck(bad);
    expect(r.status).not.toBe(0);
    expect(r.findings).toMatch(/x_active_total non-counter metrics should not have "_total" suffix/);
  });
});
