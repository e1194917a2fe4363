import { Agent, fetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/index.ts';
import { startMocks } from './helpers.ts';
import { AUTH, type Injected, OVERLOAD_CASES } from './overload-cases.ts';

/**
 * A burst at 10x the limit over real sockets, on a clock that does not move during the burst:
 * what is admitted depends on the limiter, not on how fast this (shared, noisy) machine sends.
 * How the mocks hold up for 30 s of real time is a benchmark (`npm run bench:overload`).
 */
const LIMIT = 20;
const BURST = 10 * LIMIT;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** One answer, read whole; a network error is an outcome too, so no rejection is left unhandled. */
async function send(agent: Agent, url: string, body: unknown): Promise<Injected | { error: string }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...AUTH },
      body: JSON.stringify(body),
      dispatcher: agent,
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    return { statusCode: res.status, json: () => json, headers: Object.fromEntries(res.headers) };
  } catch (error) {
    return { error: String((error as Error).cause ?? error) };
  }
}

describe('overload over real sockets: a burst at 10x the limit, all four providers at once', () => {
  it('answers every request 2xx or in the provider over-limit shape, admits exactly the limit, and serves after', async () => {
    const clock = createManualClock(1_800_000_000_000);
    // FCM counts per minute from the first message; 20/min makes the burst 10x its quota too.
    const config = Object.fromEntries(
      OVERLOAD_CASES.map((c) => [c.name, { kind: c.name, tps: c.name === 'fcm' ? `${LIMIT}/min` : LIMIT }]),
    );
    const started = await startMocks({ providers: config as never }, { clock });
    // A bounded pool: requests queue in the client instead of opening hundreds of sockets at once.
    const agent = new Agent({ connections: 8 });
    cleanup = async () => {
      await agent.close();
      await started.close();
    };
    const origin = started.adminUrl.replace(/\/__mock$/, '');
    const answers = await Promise.all(
      OVERLOAD_CASES.map(async (c) => ({
        c,
        all: await Promise.all(Array.from({ length: BURST }, (_, i) => send(agent, origin + c.url, c.payload(i)))),
      })),
    );
    for (const { c, all } of answers) {
      const errors = all.filter((a) => 'error' in a).map((a) => (a as { error: string }).error);
      const replies = all.filter((a): a is Injected => !('error' in a));
      const ok = replies.filter((r) => r.statusCode < 300).length;
      const overLimit = replies.filter((r) => c.overLimit(r)).length;
      expect({ provider: c.name, errors, ok, overLimit }).toEqual({ provider: c.name, errors: [], ok: LIMIT, overLimit: BURST - LIMIT });
      expect(started.mocks.providers[c.name]?.stats()).toMatchObject({ admitted: LIMIT, rejected: BURST - LIMIT, duplicates: 0 });
    }
    // A minute later every window and bucket has room again: each provider serves.
    await clock.advance(60_000);
    for (const c of OVERLOAD_CASES) {
      const after = await send(agent, origin + c.url, c.payload(BURST));
      expect({ provider: c.name, status: 'statusCode' in after ? after.statusCode : after.error }).toEqual({
        provider: c.name,
        status: c.name === 'sendgrid' ? 202 : 200,
      });
    }
  });
});
