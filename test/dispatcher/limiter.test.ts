import { describe, expect, it } from 'vitest';
import { generateRecipients, splitCsvRecord } from '../../dispatcher/ingest/sources.ts';
import { createLimiter, GCRA_TOLERANCE_MS, type TatStore } from '../../dispatcher/sender/limiter.ts';
import { createRng } from '../../src/core/index.ts';

/** Largest sum of units within any closed 1000 ms window of sorted arrivals (two pointers). */
function maxSlidingWindow(arrivals: readonly { at: number; units: number }[], windowMs = 1000): number {
  let best = 0;
  let sum = 0;
  let lo = 0;
  for (let hi = 0; hi < arrivals.length; hi++) {
    const a = arrivals[hi] as { at: number; units: number };
    sum += a.units;
    while ((arrivals[lo] as { at: number }).at < a.at - windowMs) sum -= (arrivals[lo++] as { units: number }).units;
    best = Math.max(best, sum);
  }
  return best;
}

function memoryStore(initial?: number): TatStore & { value: number | undefined } {
  const store = {
    value: initial,
    get: () => store.value,
    put: (_: string, tat: number) => {
      store.value = tat;
    },
  };
  return store;
}

/**
 * Simulates a sender against the limiter in virtual time: each request's arrival at the
 * provider is a random point between its send and its response, latencies are random.
 */
function simulate(tps: number, batch: number, seconds: number, seed: string) {
  const rng = createRng(seed);
  const limiter = createLimiter({ account: 'a', tps, requestTimeoutMs: 1000, store: memoryStore(), now: 0 });
  const arrivals: { at: number; units: number }[] = [];
  const responses: { at: number; units: number }[] = [];
  let now = 0;
  while (now < seconds * 1000) {
    responses.sort((a, b) => a.at - b.at);
    while (responses.length > 0 && (responses[0] as { at: number }).at <= now) {
      const r = responses.shift() as { at: number; units: number };
      limiter.complete(r.units, r.at);
    }
    const delay = limiter.delay(batch, now);
    if (delay === 0) {
      limiter.acquire(batch, now);
      const latency = 1 + rng.next() * 80;
      arrivals.push({ at: now + rng.next() * latency, units: batch });
      responses.push({ at: now + latency, units: batch });
      continue;
    }
    const next = Math.min(Number.isFinite(delay) ? now + delay : Number.POSITIVE_INFINITY, responses[0]?.at ?? Number.POSITIVE_INFINITY);
    now = Number.isFinite(next) ? next : now + 1;
  }
  arrivals.sort((a, b) => a.at - b.at);
  const sent = arrivals.reduce((n, a) => n + a.units, 0);
  return { maxWindow: maxSlidingWindow(arrivals), rate: sent / seconds };
}

describe('limiter (GCRA pacing + arrival window guard)', () => {
  it.each([
    [200, 1, 'a'],
    [200, 20, 'b'],
    [375, 1, 'c'],
    [1000, 100, 'd'],
  ])('at %d/s in batches of %d, no sliding window at the provider exceeds the limit despite latency jitter', (tps, batch, seed) => {
    const { maxWindow, rate } = simulate(tps, batch, 20, seed);
    expect(maxWindow).toBeLessThanOrEqual(tps);
    // Throughput is N / (1 s + mean latency): with latencies of 1-81 ms, about 96%.
    expect(rate).toBeGreaterThan(0.9 * tps);
  });

  it('starts quiet after a restart that follows recent sends, and not after a long pause', () => {
    const now = 100_000;
    const recent = createLimiter({ account: 'a', tps: 200, requestTimeoutMs: 5000, store: memoryStore(now - 300), now });
    expect(recent.delay(1, now)).toBeGreaterThan(900);
    expect(recent.delay(1, now + 1001)).toBe(0);
    const idle = createLimiter({ account: 'a', tps: 200, requestTimeoutMs: 5000, store: memoryStore(now - 60_000), now });
    expect(idle.delay(1, now)).toBe(0);
  });

  it('persists TAT ahead of use, so a crash never leaves the stored value behind', () => {
    const store = memoryStore();
    const limiter = createLimiter({ account: 'a', tps: 100, requestTimeoutMs: 1000, store, now: 0 });
    for (let t = 0; t < 500; t += 10) {
      limiter.acquire(1, t);
      expect(store.value).toBeGreaterThanOrEqual(t + 10);
    }
  });

  it(`makes up a stall of up to ${GCRA_TOLERANCE_MS} ms at once, and no more than the window allows`, () => {
    // 10,000/s, one unit a request (FCM), answered at once: paced to t = 1000 ms, then held up
    // 200 ms (a GC). Pacing lets the sender catch up the 2,000 units it missed, not lose them.
    const limiter = createLimiter({ account: 'a', tps: 10_000, requestTimeoutMs: 1000, store: memoryStore(), now: 0 });
    const arrivals: { at: number; units: number }[] = [];
    const sendAll = (t: number) => {
      let n = 0;
      while (limiter.delay(1, t) === 0 && n < 100_000) {
        limiter.acquire(1, t);
        limiter.complete(1, t);
        arrivals.push({ at: t, units: 1 });
        n++;
      }
      return n;
    };
    for (let t = 0; t < 1000; t += 0.1) sendAll(t);
    const caughtUp = sendAll(1200);
    expect(caughtUp).toBeGreaterThanOrEqual(2000);
    expect(caughtUp).toBeLessThanOrEqual((GCRA_TOLERANCE_MS + 200) * 10 + 1);
    // The guard still holds every 1 s window to the limit.
    for (let t = 1200; t < 3000; t += 0.1) sendAll(t);
    expect(maxSlidingWindow(arrivals)).toBeLessThanOrEqual(10_000);
  });

  it('honours a pause (429 Retry-After)', () => {
    const limiter = createLimiter({ account: 'a', tps: undefined, requestTimeoutMs: 1000, store: memoryStore(), now: 0 });
    limiter.pauseUntil(1500);
    expect(limiter.delay(1, 1000)).toBe(500);
    expect(limiter.delay(1, 1500)).toBe(0);
  });
});

describe('recipient sources', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['"x, y",z', ['x, y', 'z']],
    ['"say ""hi""",', ['say "hi"', '']],
    ['', ['']],
  ])('splits CSV record %j', (line, fields) => {
    expect(splitCsvRecord(line, 'line 1')).toEqual(fields);
  });

  it('generates recipients from a pattern', () => {
    expect([...generateRecipients(3, '010{n:8}')].map((r) => r.to)).toEqual(['01000000000', '01000000001', '01000000002']);
    expect([...generateRecipients(2, 'user{n}@x.test')].map((r) => r.to)).toEqual(['user0@x.test', 'user1@x.test']);
  });
});
