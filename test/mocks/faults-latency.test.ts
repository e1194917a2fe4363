import { afterEach, describe, expect, it, vi } from 'vitest';
import { FaultPlan } from '../../mock-providers/faults.ts';
import { createLatency } from '../../mock-providers/index.ts';
import { createRng } from '../../src/core/index.ts';
import { fcmBody, post, startMocks } from './helpers.ts';

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

describe('latency models (seeded)', () => {
  it('lognormal from median and p99 reproduces both', () => {
    const sample = createLatency({ median: 40, p99: 200 }, createRng(7));
    const values = Array.from({ length: 40_000 }, sample).sort((a, b) => a - b);
    expect(quantile(values, 0.5)).toBeGreaterThan(38);
    expect(quantile(values, 0.5)).toBeLessThan(42);
    expect(quantile(values, 0.99)).toBeGreaterThan(180);
    expect(quantile(values, 0.99)).toBeLessThan(220);
  });

  it.each([
    [{ fixed: 25 }, 25, 25],
    [{ min: 10, max: 20 }, 10, 20],
  ])('%j stays within [%i, %i]', (spec, lo, hi) => {
    const sample = createLatency(spec, createRng(1));
    for (let i = 0; i < 1000; i++) {
      const v = sample();
      expect(v).toBeGreaterThanOrEqual(lo);
      expect(v).toBeLessThanOrEqual(hi);
    }
  });

  it('repeats with the same seed', () => {
    const a = createLatency({ median: 40, p99: 200 }, createRng('s'));
    const b = createLatency({ median: 40, p99: 200 }, createRng('s'));
    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b));
  });
});

describe('fault plan', () => {
  const base = { status: 503, probability: 1 } as const;
  it('fires by probability, time window and recipient rule', () => {
    const plan = new FaultPlan(
      [
        { ...base, action: 'status', status: 404, recipient: '^dead-' },
        { ...base, action: 'reset', from: 1000, until: 2000 },
        { ...base, action: 'hang', probability: 0.25 },
      ],
      createRng(3),
    );
    expect(plan.match(0, ['ok', 'dead-1'])).toMatchObject({ action: 'status', status: 404 });
    expect([...(plan.match(0, ['dead-1'])?.recipients ?? [])]).toEqual(['dead-1']);
    expect(plan.match(1500, ['ok'])?.action).toBe('reset');
    const hangs = Array.from({ length: 4000 }, () => plan.match(5000, ['ok'])).filter((h) => h?.action === 'hang').length;
    expect(hangs / 4000).toBeGreaterThan(0.22);
    expect(hangs / 4000).toBeLessThan(0.28);
  });
});

describe('faults over HTTP', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });
  const AUTH = { authorization: 'Bearer t' };

  it('FCM: unknown tokens get 404 UNREGISTERED, a 503 carries Retry-After, reset drops the socket, hang never answers', async () => {
    const started = await startMocks({
      providers: {
        fcm: {
          kind: 'fcm',
          faults: [
            { action: 'status', status: 404, recipient: '^gone-' },
            { action: 'status', status: 503, recipient: '^busy-' },
            { action: 'reset', recipient: '^reset-' },
            { action: 'hang', recipient: '^hang-' },
            { action: 'unreported', recipient: '^lost-' },
          ],
        },
      },
    });
    close = started.close;
    const url = `${started.urls.fcm}/v1/projects/demo/messages:send`;
    const gone = await post(url, fcmBody('gone-1'), AUTH);
    expect([gone.status, gone.json.error.status, gone.json.error.details[0].errorCode]).toEqual([404, 'NOT_FOUND', 'UNREGISTERED']);
    const busy = await post(url, fcmBody('busy-1'), AUTH);
    expect([busy.status, busy.json.error.status, busy.headers.get('retry-after')]).toEqual([503, 'UNAVAILABLE', '10']);
    await expect(post(url, fcmBody('reset-1'), AUTH)).rejects.toThrow();
    // Given up on once the mock has taken it (not after a fixed time, which a stalled loop could
    // spend before the request even arrives).
    const giveUp = new AbortController();
    const hung = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...AUTH },
      body: JSON.stringify(fcmBody('hang-1')),
      signal: giveUp.signal,
    });
    await vi.waitUntil(() => started.mocks.providers.fcm?.journal(0, 100).entries.some((e) => e.outcome === 'fault:hang'), {
      timeout: 10_000,
      interval: 20,
    });
    giveUp.abort();
    await expect(hung).rejects.toThrow();
    const lost = await post(url, fcmBody('lost-1'), AUTH);
    expect(lost.status).toBe(200);
    const ok = await post(url, fcmBody('fine-1'), AUTH);
    expect(ok.status).toBe(200);
    // Accepted-but-lost is accepted and not delivered; faults answered with errors are not in the ledger.
    expect(started.mocks.providers.fcm?.stats().deliveriesPerRecipient).toEqual({ '0': 1, '1': 1 });
    const outcomes = started.mocks.providers.fcm?.journal(0, 100).entries.map((e) => e.outcome);
    expect(outcomes).toEqual(['fault:status', 'fault:status', 'fault:reset', 'fault:hang', 'accepted', 'accepted']);
  });

  it('SES: a status fault answers in the AWS error shape', async () => {
    const started = await startMocks({ providers: { ses: { kind: 'ses', faults: [{ action: 'status', status: 500 }] } } });
    close = started.close;
    const answer = await post(`${started.urls.ses}/v2/email/outbound-emails`, {
      FromEmailAddress: 'a@example.com',
      Destination: { ToAddresses: ['b@example.com'] },
      Content: { Simple: { Subject: { Data: 's' } } },
    });
    expect([answer.status, answer.headers.get('x-amzn-errortype')]).toEqual([500, 'InternalFailure']);
  });
});
