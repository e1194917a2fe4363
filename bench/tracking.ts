/**
 * bench:tracking — campaign tracking costs O(N): the runner's real tracking code (beginMockSession,
 * ProviderTracker over the cursor feed, runCampaign, campaignStats) follows a 100,000- and a
 * 1,000,000-recipient campaign delivered at 10,000/s, and its CPU seconds must grow ~10x, not ~100x
 * (target <= 12x), with event-loop delay p99 < 20 ms. In-run baseline: the same 100,000 with the
 * reader tracking used before the feed (ask `/lookup` about every pending recipient each poll),
 * whose cost per poll grows with N. Figures go to reports/bench/tracking.json.
 *
 * `tsx bench/tracking.ts child` is the other process: the mock providers (one Alimtalk provider,
 * unlimited) and a tiny campaign-start endpoint (`POST /v1/campaigns`, the reference dispatcher's
 * shape) that, instead of a dispatcher, feeds the mock over real HTTP: one 1,000-recipient Alimtalk
 * request every 100 ms (catching up when late), recipients from the request's generator pattern.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { request } from 'undici';
import { createMockProviders } from '../mock-providers/index.ts';
import { systemClock } from '../src/core/index.ts';
import { type CampaignSpec, campaignStats, expandRecipients, runCampaign } from '../src/runner/campaign.ts';
import { ProviderTracker } from '../src/runner/delivery-tracker.ts';
import { beginMockSession, FEED_PAGE_LIMIT } from '../src/runner/mock-session.ts';

const RATE = 10_000;
const BATCH = 1000;
const TICK_MS = (BATCH / RATE) * 1000;
const PATTERN = 'c-{n}';
/** Sampling interval of the event-loop delay monitor; subtracted from its samples (they include it). */
const ELD_RESOLUTION_MS = 10;
/** 100k rounds (median quoted); the 1M run is one round unless BENCH_ROUNDS_1M says otherwise. */
const ROUNDS_100K = Number(process.env.BENCH_ROUNDS_100K ?? 3);
const ROUNDS_1M = Number(process.env.BENCH_ROUNDS_1M ?? 1);
/** BENCH_SCALE=0.1 is a quick look (10k and 100k); its figures go to tracking-scaled.json, never tracking.json. */
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SMALL = Math.round(100_000 * SCALE);
const LARGE = Math.round(1_000_000 * SCALE);
const OUT = SCALE === 1 ? 'reports/bench/tracking.json' : 'reports/bench/tracking-scaled.json';

// ---------------------------------------------------------------- child: mock + start endpoint + feeder

interface FeedStatus {
  sent: number;
  failed: number;
  startedAt: number;
  finishedAt: number;
  maxBehindMs: number;
}

async function child(): Promise<void> {
  const mocks = createMockProviders({ providers: { alimtalk: { kind: 'alimtalk', tps: null } } });
  const { urls, adminUrl } = await mocks.listen();
  const messages = `${urls.alimtalk}/alimtalk/v2.3/appkeys/floodgate-app/messages`;
  let status: FeedStatus | null = null;
  const start = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const g = (JSON.parse(body || '{}') as { generator?: { count?: number; pattern?: string } }).generator;
      // Only `{n}` patterns: the feeder makes each batch's ids itself, never the whole list.
      if (req.url !== '/v1/campaigns' || typeof g?.count !== 'number' || !/^[^{}]*\{n\}[^{}]*$/.test(g.pattern ?? '')) {
        res.writeHead(400).end('{"error":"POST /v1/campaigns {generator:{count,pattern}} with a {n} pattern"}');
        return;
      }
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: g.count }));
      status = { sent: 0, failed: 0, startedAt: Date.now(), finishedAt: 0, maxBehindMs: 0 };
      void feed(messages, g.pattern as string, g.count, status);
    });
  });
  await new Promise<void>((resolve) => start.listen(0, '127.0.0.1', resolve));
  const port = (start.address() as { port: number }).port;
  process.on('message', async (m: { cmd: string }) => {
    if (m.cmd === 'cpu') process.send?.({ re: 'cpu', cpu: process.cpuUsage() });
    if (m.cmd === 'status') process.send?.({ re: 'status', status });
    if (m.cmd === 'exit') {
      start.close();
      await mocks.close();
      process.exit(0);
    }
  });
  process.send?.({ re: 'ready', origin: adminUrl.replace(/\/__mock$/, ''), start: `http://127.0.0.1:${port}` });
}

/** Sends `count` recipients to the Alimtalk mock at RATE a second in BATCH-recipient requests, one at a time. */
async function feed(url: string, pattern: string, count: number, s: FeedStatus): Promise<void> {
  const t0 = performance.now();
  while (s.sent < count) {
    const due = Math.min(count, Math.floor((performance.now() - t0) / TICK_MS + 1) * BATCH);
    s.maxBehindMs = Math.max(s.maxBehindMs, ((due - s.sent) / RATE) * 1000 - TICK_MS);
    while (s.sent < due) {
      const n = Math.min(BATCH, count - s.sent);
      const recipientList = Array.from({ length: n }, (_, k) => ({
        recipientNo: pattern.replaceAll('{n}', String(s.sent + k)),
        templateParameter: { name: 'bench' },
      }));
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ senderKey: 'floodgate-sender', templateCode: 'welcome', recipientList }),
      });
      const answer = (await res.body.json()) as { header?: { isSuccessful?: boolean } };
      if (res.statusCode !== 200 || answer.header?.isSuccessful !== true) s.failed += n;
      s.sent += n;
    }
    const next = t0 + (s.sent / BATCH) * TICK_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  s.finishedAt = Date.now();
}

// ---------------------------------------------------------------- probe: the machine's own event-loop delay

/**
 * A process that does nothing but sample its event-loop delay while a run is measured: on a shared
 * machine its p99 is the delay that CPU contention alone causes, the in-run baseline for the runner's.
 */
const PROBE_SOURCE = `
const { monitorEventLoopDelay } = require('node:perf_hooks');
let h = null;
process.on('message', (m) => {
  if (m === 'start') { h = monitorEventLoopDelay({ resolution: ${ELD_RESOLUTION_MS} }); h.enable(); }
  if (m === 'stop') { h.disable(); process.send({ p99: h.percentile(99) / 1e6, max: h.max / 1e6 }); }
  if (m === 'exit') process.exit(0);
});
process.send({ ready: true });
`;

async function spawnProbe() {
  const proc = spawn(process.execPath, ['-e', PROBE_SOURCE], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((resolve) => proc.once('message', resolve));
  return {
    start: () => proc.send('start'),
    stop: () =>
      new Promise<{ p99: number; max: number }>((resolve) => {
        proc.once('message', (m: { p99: number; max: number }) => resolve(m));
        proc.send('stop');
      }),
    close: () => {
      proc.send('exit');
      setTimeout(() => proc.kill('SIGKILL'), 2000).unref();
    },
  };
}

// ---------------------------------------------------------------- parent: the runner's tracking, measured

type Child = Awaited<ReturnType<typeof spawnChild>>;
type Probe = Awaited<ReturnType<typeof spawnProbe>>;

async function spawnChild() {
  const proc = spawn(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, 'child'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T>(cmd: string): Promise<T> =>
    new Promise((resolve) => {
      const on = (m: { re: string } & T) => {
        if (m.re !== cmd) return;
        proc.off('message', on);
        resolve(m);
      };
      proc.on('message', on);
      proc.send({ cmd });
    });
  const ready = await new Promise<{ origin: string; start: string }>((resolve, reject) => {
    proc.once('message', resolve);
    proc.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
  return {
    ...ready,
    cpuSeconds: async () => {
      const { cpu } = await ask<{ cpu: NodeJS.CpuUsage }>('cpu');
      return (cpu.user + cpu.system) / 1e6;
    },
    status: async () => (await ask<{ status: FeedStatus }>('status')).status,
    close: () =>
      new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.send({ cmd: 'exit' });
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** What one tracked campaign cost. */
interface RunFigures {
  reader: 'feed' | 'lookup';
  recipients: number;
  delivered: number;
  runnerCpuSeconds: number;
  /** Of which campaignStats (the final figures), after tracking. */
  statsCpuSeconds: number;
  mockCpuSeconds: number;
  wallSeconds: number;
  /** Event-loop delay p99 and max beyond the monitor's sampling interval, ms. */
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  /** The same, in an idle process on the same machine at the same time (contention alone). */
  idleProbeP99Ms: number;
  idleProbeMaxMs: number;
  /** Share of the wall time the runner's event loop was busy. */
  eventLoopUtilization: number;
  polls: number;
  /** Feed entries read (feed) or recipients asked about (lookup). */
  itemsRead: number;
  feederMaxBehindMs: number;
  feederFailed: number;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Measures a tracking reader over one campaign of `n` recipients: runner CPU, event loop, mock CPU. */
async function measure(c: Child, probe: Probe, n: number, reader: RunFigures['reader']): Promise<RunFigures> {
  const session = await beginMockSession(
    { alimtalk: { adminUrl: c.origin, push: { tps: null } } },
    { name: `bench-${n}`, timeout: 30_000 },
  );
  try {
    const mock0 = await c.cpuSeconds();
    const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
    eld.enable();
    probe.start();
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = reader === 'feed' ? await trackByFeed(c, session, n) : await trackByLookup(c, session, n);
    const cpu = process.cpuUsage(cpu0);
    const wallSeconds = (performance.now() - t0) / 1000;
    const elu = performance.eventLoopUtilization(elu0);
    eld.disable();
    const idle = await probe.stop();
    const mockCpuSeconds = (await c.cpuSeconds()) - mock0;
    const fed = await c.status();
    return {
      reader,
      recipients: n,
      delivered: r.delivered,
      runnerCpuSeconds: round((cpu.user + cpu.system) / 1e6),
      statsCpuSeconds: round(r.statsCpuSeconds),
      mockCpuSeconds: round(mockCpuSeconds),
      wallSeconds: round(wallSeconds),
      eventLoopP99Ms: round(Math.max(0, eld.percentile(99) / 1e6 - ELD_RESOLUTION_MS), 2),
      eventLoopMaxMs: round(Math.max(0, eld.max / 1e6 - ELD_RESOLUTION_MS), 2),
      idleProbeP99Ms: round(Math.max(0, idle.p99 - ELD_RESOLUTION_MS), 2),
      idleProbeMaxMs: round(Math.max(0, idle.max - ELD_RESOLUTION_MS), 2),
      eventLoopUtilization: round(elu.utilization, 4),
      polls: r.polls,
      itemsRead: r.itemsRead,
      feederMaxBehindMs: round(fed.maxBehindMs, 1),
      feederFailed: fed.failed,
    };
  } finally {
    await session.end();
  }
}

type Session = Awaited<ReturnType<typeof beginMockSession>>;

function spec(n: number): CampaignSpec {
  return {
    name: `track-${n}`,
    channel: 'alimtalk',
    provider: 'alimtalk',
    recipients: n,
    pattern: PATTERN,
    template: 'welcome',
    params: { name: 'bench' },
    poll: 1000,
    token: 'bench',
  };
}

/** The runner's own path: runCampaign over a ProviderTracker, then the final read to the stats snapshot, as run.ts does. */
async function trackByFeed(c: Child, session: Session, n: number) {
  const tracker = new ProviderTracker('alimtalk', (after, until) => session.deliveries('alimtalk', after, until));
  const tracked = await runCampaign(spec(n), {
    origin: c.start,
    tracker,
    clock: systemClock,
    trackFor: (n / RATE) * 3000 + 30_000,
    timeout: 30_000,
  });
  const stats = await session.stats('alimtalk');
  await tracker.poll(stats.delivered);
  // The final figures sort every first-delivery time (O(N log N)): measured apart, inside the total.
  const cpu0 = process.cpuUsage();
  const outcome = campaignStats(tracked);
  const cpu = process.cpuUsage(cpu0);
  if (tracker.error) throw new Error(tracker.error);
  return {
    delivered: outcome.delivered,
    polls: tracked.curve.length,
    itemsRead: tracker.read,
    statsCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/**
 * The reader tracking used before the feed (src/runner/campaign.ts before e2009d1): each poll asks
 * `/lookup` about every recipient not yet delivered, 5,000 a request, so a poll costs O(pending).
 */
async function trackByLookup(c: Child, _session: Session, n: number) {
  const res = await request(`${c.start}/v1/campaigns`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ generator: { count: n, pattern: PATTERN } }),
  });
  await res.body.text();
  const firstAt = new Map<string, number>();
  let pending = expandRecipients(PATTERN, n);
  let polls = 0;
  let asked = 0;
  while (firstAt.size < n && polls < (n / RATE) * 3 + 30) {
    polls++;
    for (let i = 0; i < pending.length; i += 5000) {
      const batch = pending.slice(i, i + 5000);
      asked += batch.length;
      const r = await request(`${c.origin}/__mock/alimtalk/lookup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ recipients: batch }),
      });
      const { entries } = (await r.body.json()) as { entries: { recipient: string; delivered: number; firstDeliveredAt: number | null }[] };
      for (const e of entries) if (e.delivered > 0 && !firstAt.has(e.recipient)) firstAt.set(e.recipient, e.firstDeliveredAt ?? Date.now());
    }
    pending = pending.filter((r) => !firstAt.has(r));
    if (firstAt.size < n) await new Promise((r) => setTimeout(r, 1000));
  }
  return { delivered: firstAt.size, polls, itemsRead: asked, statsCpuSeconds: 0 };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg();
  const c = await spawnChild();
  const probe = await spawnProbe();
  const runs: RunFigures[] = [];
  const run = async (n: number, reader: RunFigures['reader']) => {
    const f = await measure(c, probe, n, reader);
    runs.push(f);
    console.log(
      `${reader} ${n}: runner ${f.runnerCpuSeconds} CPU-s, loop p99 ${f.eventLoopP99Ms} ms (idle probe ${f.idleProbeP99Ms} ms, ELU ${f.eventLoopUtilization}), mock ${f.mockCpuSeconds} CPU-s, wall ${f.wallSeconds} s, delivered ${f.delivered}, ${f.polls} polls, ${f.itemsRead} read (load ${loadavg()[0]?.toFixed(2)})`,
    );
    return f;
  };
  try {
    // Warm-up (JIT, connections), not reported.
    await measure(c, probe, 20_000, 'feed');
    for (let i = 0; i < ROUNDS_100K; i++) await run(SMALL, 'feed');
    for (let i = 0; i < ROUNDS_1M; i++) await run(LARGE, 'feed');
    await run(SMALL, 'lookup');
  } finally {
    probe.close();
    await c.close();
  }
  const pick = (n: number, reader: RunFigures['reader']) => runs.filter((r) => r.recipients === n && r.reader === reader);
  const fig = (rs: RunFigures[], k: keyof RunFigures) => round(median(rs.map((r) => r[k] as number)), 3);
  const [small, large, naive] = [pick(SMALL, 'feed'), pick(LARGE, 'feed'), pick(SMALL, 'lookup')];
  const summary = {
    recipients: { small: SMALL, large: LARGE },
    cpuSeconds100k: fig(small, 'runnerCpuSeconds'),
    cpuSeconds1M: fig(large, 'runnerCpuSeconds'),
    cpuRatio1Mover100k: round(fig(large, 'runnerCpuSeconds') / fig(small, 'runnerCpuSeconds'), 2),
    targetRatio: 12,
    eventLoopP99Ms100k: fig(small, 'eventLoopP99Ms'),
    eventLoopP99Ms1M: fig(large, 'eventLoopP99Ms'),
    idleProbeP99Ms100k: fig(small, 'idleProbeP99Ms'),
    idleProbeP99Ms1M: fig(large, 'idleProbeP99Ms'),
    eventLoopUtilization100k: fig(small, 'eventLoopUtilization'),
    eventLoopUtilization1M: fig(large, 'eventLoopUtilization'),
    targetEventLoopP99Ms: 20,
    wallSeconds100k: fig(small, 'wallSeconds'),
    wallSeconds1M: fig(large, 'wallSeconds'),
    mockCpuSeconds100k: fig(small, 'mockCpuSeconds'),
    mockCpuSeconds1M: fig(large, 'mockCpuSeconds'),
    lookupBaseline100k: {
      cpuSeconds: fig(naive, 'runnerCpuSeconds'),
      mockCpuSeconds: fig(naive, 'mockCpuSeconds'),
      eventLoopP99Ms: fig(naive, 'eventLoopP99Ms'),
      wallSeconds: fig(naive, 'wallSeconds'),
      recipientsAsked: fig(naive, 'itemsRead'),
      cpuOverFeedReader: round(fig(naive, 'runnerCpuSeconds') / fig(small, 'runnerCpuSeconds'), 2),
    },
  };
  const pass = summary.cpuRatio1Mover100k <= 12 && summary.eventLoopP99Ms100k < 20 && summary.eventLoopP99Ms1M < 20;
  const report = {
    bench: 'tracking',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      node: process.version,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadavg(),
    },
    method: `mock (one Alimtalk provider, tps unlimited) and feeder in a child process; the feeder sends real Alimtalk requests of ${BATCH} recipients every ${TICK_MS} ms (${RATE}/s) once the runner's start request arrives; the runner reads feed pages of ${FEED_PAGE_LIMIT}; runner CPU = process.cpuUsage over runCampaign + final feed read + campaignStats; event-loop delay = monitorEventLoopDelay (resolution ${ELD_RESOLUTION_MS} ms, which is subtracted), beside an idle probe process sampling its own loop over the same span (contention alone);  ${ROUNDS_100K} rounds at 100k (median), ${ROUNDS_1M} at 1M; a 20k warm-up run first, not reported`,
    summary,
    pass,
    runs,
  };
  mkdirSync('reports/bench', { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);
  const row = (rs: RunFigures[]) => ({
    runnerCpuS: fig(rs, 'runnerCpuSeconds'),
    statsCpuS: fig(rs, 'statsCpuSeconds'),
    loopP99Ms: fig(rs, 'eventLoopP99Ms'),
    idleProbeP99Ms: fig(rs, 'idleProbeP99Ms'),
    elu: fig(rs, 'eventLoopUtilization'),
    wallS: fig(rs, 'wallSeconds'),
    mockCpuS: fig(rs, 'mockCpuSeconds'),
    read: fig(rs, 'itemsRead'),
  });
  console.table({ [`feed ${SMALL}`]: row(small), [`feed ${LARGE}`]: row(large), [`lookup ${SMALL}`]: row(naive) });
  console.log(
    `runner CPU 1M / 100k = ${summary.cpuRatio1Mover100k}x (target <= 12x, O(N^2) ~100x); lookup reader at 100k costs ${summary.lookupBaseline100k.cpuOverFeedReader}x the feed reader; ${pass ? 'PASS' : 'FAIL'}; load ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} -> ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(`wrote ${OUT}`);
}

if (process.argv[2] === 'child') await child();
else await main();
