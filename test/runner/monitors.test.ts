import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/index.ts';
import { startMonitors } from '../../src/runner/monitors.ts';
import { parsePrometheusText } from '../../src/runner/prometheus.ts';

const SPRING = `# HELP jvm_memory_used_bytes The amount of used memory
# TYPE jvm_memory_used_bytes gauge
jvm_memory_used_bytes{area="heap",id="G1 Eden Space",} 1.2582912E7
jvm_memory_used_bytes{area="nonheap",id="Metaspace",} 6.1E7
hikaricp_connections_pending{pool="HikariPool-1",} 3.0
executor_queued_tasks{name="applicationTaskExecutor",} 176.0 1700000000000
weird{a="x\\"y\\\\z"} +Inf
broken{a=} 1
up 1
`;

describe('parsePrometheusText', () => {
  it('reads Spring Boot (Micrometer) samples, labels, exponents, timestamps and escapes', () => {
    expect(parsePrometheusText(SPRING)).toEqual([
      { name: 'jvm_memory_used_bytes', labels: { area: 'heap', id: 'G1 Eden Space' }, value: 12_582_912 },
      { name: 'jvm_memory_used_bytes', labels: { area: 'nonheap', id: 'Metaspace' }, value: 61_000_000 },
      { name: 'hikaricp_connections_pending', labels: { pool: 'HikariPool-1' }, value: 3 },
      { name: 'executor_queued_tasks', labels: { name: 'applicationTaskExecutor' }, value: 176 },
      { name: 'weird', labels: { a: 'x"y\\z' }, value: Number.POSITIVE_INFINITY },
      { name: 'up', labels: {}, value: 1 },
    ]);
  });
});

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

describe('startMonitors', () => {
  it('scrapes the named series on every tick of its clock, samples the generator and counts failed scrapes', async () => {
    server = createServer((req, res) => (req.url === '/metrics' ? res.end(SPRING) : res.writeHead(500).end()));
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A manual clock: ticks happen when the test moves time, however slow the machine is.
    const clock = createManualClock(1_000_000);
    const runStart = clock.now();
    const monitors = startMonitors({
      prometheus: [
        { name: 'dispatcher', url: '/metrics', series: ['hikaricp_connections_pending', { metric: 'executor_queued_tasks', as: 'queue' }] },
        { url: `${origin}/broken`, series: ['up'] },
      ],
      origin,
      interval: 250,
      clock,
      runStart,
      // Half a core: 0.5 ms of CPU per ms of (manual) wall time.
      cpuUsage: () => ({ user: (clock.now() - runStart) * 500, system: 0 }),
    });
    // One tick at start, then one per 250 ms: three in all.
    await clock.advance(250);
    await clock.advance(250);
    const report = await monitors.stop();
    const names = report.series.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['dispatcher.hikaricp_connections_pending', 'dispatcher.queue', 'generator.cpuPercent']));
    expect(names).not.toContain('dispatcher.executor_queued_tasks');
    expect(names).not.toContain('dispatcher.jvm_memory_used_bytes');
    const pending = report.series.find((s) => s.name === 'dispatcher.hikaricp_connections_pending');
    expect(pending?.labels).toEqual({ pool: 'HikariPool-1' });
    expect(pending?.points).toHaveLength(3);
    expect(pending?.points.every(([, v]) => v === 3)).toBe(true);
    expect(report.scrapeErrors).toEqual([`scrape failed 3 time(s): ${origin}/broken: HTTP 500`]);
    expect(report.cpuPercentMax).toBe(50);
    // Nothing more once stopped: moving time on scrapes nothing.
    await clock.advance(1000);
    expect(report.series.find((s) => s.name === 'dispatcher.queue')?.points).toHaveLength(3);
  });
});

describe('startMonitors during a planned restart', () => {
  it('does not count scrapes that fail while the dispatcher is restarting, and counts them after', async () => {
    server = createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const clock = createManualClock(1_000_000);
    // Asked only when a scrape fails: the first two failures fall inside the restart, the third after it.
    let asked = 0;
    const monitors = startMonitors({
      prometheus: [{ name: 'dispatcher', url: '/metrics', series: ['up'] }],
      origin,
      interval: 250,
      clock,
      runStart: clock.now(),
      restarting: () => asked++ < 2,
    });
    await clock.advance(250);
    await clock.advance(250);
    const report = await monitors.stop();
    expect(report.scrapeErrors).toEqual([`scrape failed 1 time(s): ${origin}/metrics: HTTP 503`]);
  });
});
