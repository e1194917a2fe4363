import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/index.ts';
import { runSearchStep } from '../../src/runner/search-step.ts';
import { type CapacityServer, startCapacityServer } from '../fixtures/capacity-server/spawn.ts';

let server: CapacityServer | undefined;
afterAll(async () => {
  await server?.close();
});

/**
 * One real search over loopback against a server of known capacity in its own process (4 workers
 * x 20 ms = 200/s). Only a sane bracket is asserted, never accuracy or time (the 5-run accuracy
 * check is `npm run bench:capacity`): a busy machine can only make the server slower and steps
 * invalid, so the answer is never above the true rate, and a rate of twice it must fail.
 */
describe('capacity search over loopback', () => {
  it('brackets a 200/s server: an answer at or under 200/s, and a failure above it', { timeout: 120_000 }, async () => {
    server = await startCapacityServer(4, 20);
    const stats = await runSearchStep(
      {
        name: 'loopback',
        templates: [{ method: 'GET', path: '/work', headers: {} }],
        recipients: { count: 10, pattern: 'u-{n}' },
        arrival: 'uniform',
        stepDuration: 1500,
        cooldown: 200,
        budget: { p95: 100, errors: 0.01 },
        target: 150,
        from: 50,
        to: 400,
        growth: 2,
        resolution: 0.1,
        maxProbes: 8,
        retryMarginal: true,
      },
      {
        origin: server.origin,
        clock: systemClock,
        seed: 'loopback',
        token: 'unused-token',
        timeout: 5000,
        maxInFlight: 10_000,
        connections: 256,
        lateLimit: 1000,
        lagInvalid: 250,
        drain: 5000,
      },
    );
    expect(stats.probes.length).toBeLessThanOrEqual(8);
    expect(stats.probes.length).toBeGreaterThan(0);
    if (stats.rate !== null) expect(stats.rate).toBeLessThanOrEqual(server.trueRate);
    // 400/s is twice what 4 x 20 ms can serve: its queue grows whatever the machine does.
    const over = stats.probes.filter((p) => p.rate >= 2 * server!.trueRate);
    for (const p of over) expect(p.status).not.toBe('held');
    expect(stats.summary).toMatch(/^holds (\d+\/s|no rate from 50\/s) at p95 < 100ms, errors < 1%; the plan needs 150\/s: /);
  });
});

describe('search probes', () => {
  it('go on counting {{seq}} across probes, so no request of one probe repeats another', { timeout: 60_000 }, async () => {
    const { createServer } = await import('node:http');
    const seen: string[] = [];
    const sink = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    try {
      const { port } = sink.address() as { port: number };
      await runSearchStep(
        {
          name: 'seq',
          templates: [{ method: 'GET', path: '/new-{{seq}}', headers: {} }],
          recipients: { count: 10, pattern: 'u-{n}' },
          arrival: 'uniform',
          stepDuration: 1000,
          cooldown: 0,
          budget: { p95: 1000, errors: 0.5 },
          target: null,
          from: 20,
          to: 40,
          growth: 2,
          resolution: 0.5,
          maxProbes: 3,
          retryMarginal: false,
        },
        {
          origin: `http://127.0.0.1:${port}`,
          clock: systemClock,
          seed: 's',
          token: 'unused-token',
          timeout: 2000,
          maxInFlight: 100,
          connections: 16,
          lateLimit: 1000,
          lagInvalid: 5000,
          drain: 2000,
        },
      );
      expect(seen.length).toBeGreaterThan(40);
      expect(new Set(seen).size).toBe(seen.length);
    } finally {
      await new Promise<void>((r) => sink.close(() => r()));
    }
  });
});
