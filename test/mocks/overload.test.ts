import { afterEach, describe, expect, it } from 'vitest';
import { createMockProviders, type MockProviders } from '../../mock-providers/index.ts';
import { createManualClock, PROVIDER_KINDS } from '../../src/core/index.ts';
import { AUTH, OVERLOAD_CASES as CASES } from './overload-cases.ts';

let mocks: MockProviders | undefined;
afterEach(async () => {
  await mocks?.close();
  mocks = undefined;
});

it('has an overload case for every registered provider kind', () => {
  expect(CASES.map((c) => c.name).sort()).toEqual([...PROVIDER_KINDS].sort());
});

describe('overload: 10x the limit for 30 s (manual clock, every request through the HTTP stack by inject)', () => {
  it.each(CASES)(
    '$name answers every excess in its over-limit shape and keeps serving',
    async (c) => {
      // Start on an epoch-second boundary so aligned windows split evenly.
      const clock = createManualClock(1_800_000_000_000);
      mocks = createMockProviders({ providers: { [c.name]: { kind: c.name, tps: 10 } } as never }, { clock });
      const tally = { ok: 0, overLimit: 0, other: 0 };
      for (let i = 0; i < 100 * 30; i++) {
        const r = await mocks.app.inject({ method: 'POST', url: c.url, payload: c.payload(i), headers: AUTH });
        if (r.statusCode < 300) tally.ok++;
        else if (c.overLimit(r)) tally.overLimit++;
        else tally.other++;
        await clock.advance(10);
      }
      expect(tally).toEqual({ ok: c.admitted, overLimit: 3000 - c.admitted, other: 0 });
      const stats = mocks.providers[c.name]?.stats();
      expect(stats?.admitted).toBe(c.admitted);
      expect(stats?.rejected).toBe(3000 - c.admitted);
      expect(stats?.duplicates).toBe(0);
    },
    30_000,
  );
});
