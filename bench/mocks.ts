/**
 * Benchmark of the mock providers (`npm run bench:mocks`), written to reports/bench/mocks.json:
 *
 * 1. Throughput: FCM `messages:send` with limiter, recorder, ledger, journal and metrics all
 *    on (limit set high so nothing is refused), against a bare fastify route that parses the
 *    same body and answers the same shape, on the same server process, in alternating rounds
 *    driven by autocannon from this (parent) process. Median of the rounds; goal >= 85%.
 *    Before the rounds the FCM mock is filled to {@link PREFILL} distinct recipients through real
 *    requests (`BENCH_PREFILL`, default 1,000,000), so every round runs with the ledger at 1,000,000
 *    recipients and growing, as at the end of story 4's campaign; goal >= 15,000 requests/s
 *    (issue 14). autocannon's own CPU (JavaScript, on the same two cores) caps what it can drive
 *    near the bare route's rate, so the same pair is then measured with `wrk` (C, one thread, a
 *    new device token every request from a Lua script): the goal is judged on wrk's mock median
 *    when wrk is installed, and the mock's CPU per request is quoted for both.
 * 2. Memory: ledger bytes per recipient at 1,000,000 distinct recipients (the duplicate ledger
 *    plus the per-recipient index campaign tracking reads), both the tables'
 *    typed arrays and the process's heap + ArrayBuffer delta after GC; goal < 100.
 *
 * `tsx bench/mocks.ts serve` is the child: it serves both routes and prints its URL.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { createMockProviders, DuplicateLedger } from '../mock-providers/index.ts';
import { findWrk, runWrk } from './wrk.ts';

/** Rounds can be cut for a quick look (`BENCH_ROUNDS=3`); the reported figures use the default. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const SECONDS = 2;
const CONNECTIONS = 20;
const RECIPIENTS = 1_000_000;
const PATH = '/v1/projects/bench/messages:send';
/** Distinct recipients the FCM mock holds before the measured rounds. */
const PREFILL = Number(process.env.BENCH_PREFILL ?? RECIPIENTS);
/** The FCM mock's goal at 1,000,000 recipients (issue 14). */
const GOAL_RPS = 15_000;

async function serve(): Promise<void> {
  // BENCH_FCM='{"journal":0}' merges into the mock's FCM config, to see what a part costs.
  const extra = JSON.parse(process.env.BENCH_FCM ?? '{}') as Record<string, unknown>;
  const mocks = createMockProviders({ providers: { fcm: { kind: 'fcm', tps: 1e9, ...extra } as never } });
  const { urls } = await mocks.listen();
  const bare = Fastify({ logger: false });
  let seq = 0;
  bare.post<{ Params: { projectId: string } }>('/v1/projects/:projectId/messages::send', async (request) => {
    const body = request.body as { message?: { token?: string } };
    if (typeof body?.message?.token !== 'string') throw new Error('bad body');
    seq++;
    return { name: `projects/${request.params.projectId}/messages/bare-${seq.toString(36)}` };
  });
  const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });
  // The parent asks for this process's CPU time around each round (IPC), to get CPU per request.
  process.on('message', (m) => {
    if (m === 'keys') process.send?.({ keys: mocks.providers.fcm?.ledger.keys ?? 0 });
    else process.send?.(process.cpuUsage());
  });
  process.stdout.write(`${JSON.stringify({ mock: urls.fcm, bare: bareUrl })}\n`);
  process.on('SIGTERM', async () => {
    const stats = mocks.providers.fcm?.stats();
    process.stderr.write(`mock admitted ${stats?.admitted}, ledger keys ${mocks.providers.fcm?.ledger.keys}\n`);
    await Promise.all([mocks.close(), bare.close()]);
    process.exit(0);
  });
}

/** Device tokens never repeat across rounds: every send is a new recipient, as in a campaign. */
let n = 0;

interface Round {
  rps: number;
  non2xx: number;
  errors: number;
  p99: number;
  /** Server CPU time (user + system) per answered request, microseconds. */
  cpuUsPerRequest: number;
}

async function load(base: string, server: ReturnType<typeof spawn>): Promise<Round> {
  const cpu = () =>
    new Promise<NodeJS.CpuUsage>((resolve) => {
      server.once('message', (usage) => resolve(usage as NodeJS.CpuUsage));
      server.send('cpu');
    });
  const before = await cpu();
  const result = await autocannon({
    url: base + PATH,
    connections: CONNECTIONS,
    duration: SECONDS,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    requests: [
      {
        // A new device token every request, so the ledger grows as in a campaign.
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ message: { token: `device-${n++}`, notification: { title: 'Sale', body: '50% off' } } }),
        }),
      },
    ],
  });
  const after = await cpu();
  const cpuUs = after.user - before.user + (after.system - before.system);
  return {
    rps: result.requests.average,
    non2xx: result.non2xx,
    errors: result.errors,
    p99: result.latency.p99,
    cpuUsPerRequest: cpuUs / Math.max(1, result.requests.total),
  };
}

/**
 * wrk's request script: a POST with a new device token every request (`<prefix>-<n>`, the
 * prefix from the environment so rounds never repeat a token), as autocannon's rounds send.
 */
const WRK_SCRIPT = `wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer bench"
local prefix = os.getenv("FG_WRK_PREFIX") or "wrk"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"message":{"token":"' .. prefix .. '-' .. n .. '","notification":{"title":"Sale","body":"50% off"}}}')
end
`;

/** Seconds of each wrk round, and rounds (alternating bare and mock). */
const WRK_SECONDS = 3;
const WRK_ROUNDS = Number(process.env.BENCH_WRK_ROUNDS ?? 5);

/**
 * One closed-loop wrk round (C, one thread: a load generator that needs far less of the shared
 * machine than autocannon, so the server gets about a core): requests/s and server CPU a request.
 */
async function loadWrk(bin: string, script: string, base: string, server: ReturnType<typeof spawn>, prefix: string): Promise<Round> {
  const cpu = () =>
    new Promise<NodeJS.CpuUsage>((resolve) => {
      server.once('message', (usage) => resolve(usage as NodeJS.CpuUsage));
      server.send('cpu');
    });
  const before = await cpu();
  const run = await runWrk(bin, base + PATH, WRK_SECONDS, CONNECTIONS, { script, env: { FG_WRK_PREFIX: prefix } });
  const after = await cpu();
  const cpuUs = after.user - before.user + (after.system - before.system);
  return { rps: run.requestsPerSecond, non2xx: run.errors, errors: 0, p99: Number.NaN, cpuUsPerRequest: cpuUs / Math.max(1, run.requests) };
}

/** Fills the FCM mock's ledger with `count` new recipients through real requests (pipelined, as fast as it takes them). */
async function prefill(base: string, server: ReturnType<typeof spawn>, count: number): Promise<{ keys: number; seconds: number }> {
  const started = performance.now();
  if (count > 0) {
    await autocannon({
      url: base + PATH,
      connections: CONNECTIONS,
      pipelining: 8,
      amount: count,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
      requests: [
        {
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({ message: { token: `device-${n++}`, notification: { title: 'Sale', body: '50% off' } } }),
          }),
        },
      ],
    });
  }
  const keys = await new Promise<number>((resolve) => {
    server.once('message', (m) => resolve((m as { keys: number }).keys));
    server.send('keys');
  });
  return { keys, seconds: (performance.now() - started) / 1000 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function ledgerMemory() {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage();
  // What a provider keeps per recipient: the duplicate ledger (recipient x content x key) and the
  // per-recipient index with first-delivery times that campaign tracking looks up.
  const ledger = new DuplicateLedger();
  const index = new DuplicateLedger(1024, { timestamps: true });
  const started = performance.now();
  for (let i = 0; i < RECIPIENTS; i++) {
    const recipient = `010${String(i).padStart(8, '0')}`;
    ledger.record(recipient, 'welcome:안녕하세요 고객님', null, true);
    index.record(recipient, '', null, true, i);
  }
  const ms = performance.now() - started;
  gc();
  const after = process.memoryUsage();
  const heapDelta = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
  const tableBytes = ledger.bytes + index.bytes;
  return {
    recipients: ledger.keys,
    duplicateLedgerBytesPerRecipient: ledger.bytes / ledger.keys,
    recipientIndexBytesPerRecipient: index.bytes / index.keys,
    tableBytes,
    tableBytesPerRecipient: tableBytes / ledger.keys,
    heapDeltaBytes: heapDelta,
    heapBytesPerRecipient: heapDelta / ledger.keys,
    recordsPerSecond: Math.round(RECIPIENTS / (ms / 1000)),
    goalBytesPerRecipient: 100,
  };
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, 'serve'], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  try {
    const urls = await new Promise<{ mock: string; bare: string }>((resolve, reject) => {
      child.stdout?.once('data', (chunk) => resolve(JSON.parse(String(chunk))));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const filled = await prefill(urls.mock, child, PREFILL);
    process.stderr.write(`FCM mock ledger at ${filled.keys} recipients (filled in ${filled.seconds.toFixed(1)} s)\n`);
    // Warm both up (JIT), then alternate so drift on a shared machine hits both alike.
    await load(urls.bare, child);
    await load(urls.mock, child);
    const rounds: {
      bare: number;
      mock: number;
      bareCpuUs: number;
      mockCpuUs: number;
      mockNon2xx: number;
      mockP99: number;
      bareP99: number;
    }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which side goes first, so drift within a pair does not favour one side.
      const first = r % 2 === 0 ? 'bare' : 'mock';
      const a = await load(first === 'bare' ? urls.bare : urls.mock, child);
      const b = await load(first === 'bare' ? urls.mock : urls.bare, child);
      const [bare, mock] = first === 'bare' ? [a, b] : [b, a];
      rounds.push({
        bare: bare.rps,
        mock: mock.rps,
        bareCpuUs: bare.cpuUsPerRequest,
        mockCpuUs: mock.cpuUsPerRequest,
        mockNon2xx: mock.non2xx + mock.errors,
        mockP99: mock.p99,
        bareP99: bare.p99,
      });
      process.stderr.write(
        `round ${r + 1}: bare ${bare.rps} req/s (${bare.cpuUsPerRequest.toFixed(1)} us CPU/req), mock ${mock.rps} req/s (${mock.cpuUsPerRequest.toFixed(1)} us CPU/req)\n`,
      );
    }
    // The same pair measured with wrk: the rate the mock serves when the generator is not the bottleneck.
    const wrk = findWrk();
    const wrkRounds: { bare: number; mock: number; bareCpuUs: number; mockCpuUs: number; mockErrors: number }[] = [];
    let wrkSkipped: string | null = null;
    if ('bin' in wrk) {
      const script = join(mkdtempSync(join(tmpdir(), 'fg-wrk-')), 'fcm.lua');
      writeFileSync(script, WRK_SCRIPT);
      for (let r = 0; r < WRK_ROUNDS; r++) {
        const bare = await loadWrk(wrk.bin, script, urls.bare, child, `wrk${r}b`);
        const mock = await loadWrk(wrk.bin, script, urls.mock, child, `wrk${r}m`);
        wrkRounds.push({
          bare: bare.rps,
          mock: mock.rps,
          bareCpuUs: bare.cpuUsPerRequest,
          mockCpuUs: mock.cpuUsPerRequest,
          mockErrors: mock.non2xx,
        });
        process.stderr.write(
          `wrk round ${r + 1}: bare ${bare.rps} req/s (${bare.cpuUsPerRequest.toFixed(1)} us CPU/req), mock ${mock.rps} req/s (${mock.cpuUsPerRequest.toFixed(1)} us CPU/req)\n`,
        );
      }
    } else wrkSkipped = wrk.skipped;
    const wrkMockMedian = wrkRounds.length > 0 ? median(wrkRounds.map((r) => r.mock)) : null;
    const keysAfter = await new Promise<number>((resolve) => {
      child.once('message', (m) => resolve((m as { keys: number }).keys));
      child.send('keys');
    });
    const bareMedian = median(rounds.map((r) => r.bare));
    const mockMedian = median(rounds.map((r) => r.mock));
    // Each mock round is compared with the bare round just before it, so a slow spell on the
    // shared machine hits both sides of a pair; the median of those ratios is the figure to quote.
    const pairRatio = median(rounds.map((r) => r.mock / r.bare));
    // The server is not always the bottleneck on 2 shared cores (autocannon needs a core too),
    // so also quote server CPU per request: the throughput a saturated server would reach is
    // proportional to its inverse, hence capacity ratio = bare CPU/req / mock CPU/req.
    const cpuRatio = median(rounds.map((r) => r.bareCpuUs)) / median(rounds.map((r) => r.mockCpuUs));
    const ledger = ledgerMemory();
    const report = {
      benchmark: 'mocks',
      date: new Date().toISOString(),
      machine: { hostname: hostname(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
      throughput: {
        route: `POST ${PATH} (FCM; limiter + recorder + ledger + journal + metrics on, nothing refused)`,
        connections: CONNECTIONS,
        secondsPerRound: SECONDS,
        rounds,
        bareMedianRps: bareMedian,
        mockMedianRps: mockMedian,
        ratioOfMedians: mockMedian / bareMedian,
        medianPairRatio: pairRatio,
        bareMedianCpuUsPerRequest: median(rounds.map((r) => r.bareCpuUs)),
        mockMedianCpuUsPerRequest: median(rounds.map((r) => r.mockCpuUs)),
        cpuCapacityRatio: cpuRatio,
        goalRatio: 0.85,
        refusedOrFailed: rounds.reduce((a, r) => a + r.mockNon2xx, 0),
        ledgerRecipientsBeforeRounds: filled.keys,
        // What one saturated core would serve at the mock's CPU per request: the figure that does
        // not depend on how much of the shared machine the load generator took.
        mockCpuCapacityRps: Math.round(1e6 / median(rounds.map((r) => r.mockCpuUs))),
        goalRpsAtMillionRecipients: GOAL_RPS,
        // Judged on wrk's rounds when wrk is installed: autocannon's own CPU caps what it can drive on two cores.
        goalMet: filled.keys >= RECIPIENTS && (wrkMockMedian ?? mockMedian) >= GOAL_RPS,
      },
      wrk: {
        generator: `wrk -t1 -c${CONNECTIONS}, ${WRK_SECONDS} s a round, a new device token every request`,
        skipped: wrkSkipped,
        rounds: wrkRounds,
        bareMedianRps: wrkRounds.length > 0 ? median(wrkRounds.map((r) => r.bare)) : null,
        mockMedianRps: wrkMockMedian,
        mockMedianCpuUsPerRequest: wrkRounds.length > 0 ? median(wrkRounds.map((r) => r.mockCpuUs)) : null,
        refusedOrFailed: wrkRounds.reduce((a, r) => a + r.mockErrors, 0),
        ledgerRecipientsAfterRounds: keysAfter,
      },
      ledger,
    };
    mkdirSync('reports/bench', { recursive: true });
    writeFileSync('reports/bench/mocks.json', `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(
      `mock ${mockMedian} req/s vs bare ${bareMedian} req/s (medians): ${((mockMedian / bareMedian) * 100).toFixed(1)}%; ` +
        `median of paired ratios ${(pairRatio * 100).toFixed(1)}%; server CPU capacity ratio ${(cpuRatio * 100).toFixed(1)}% (goal >= 85%)\n` +
        `FCM mock at ${filled.keys} recipients: ${Math.round(mockMedian)} req/s measured with autocannon, ${Math.round(1e6 / median(rounds.map((r) => r.mockCpuUs)))} req/s a saturated core would serve (goal >= ${GOAL_RPS})\n` +
        (wrkMockMedian === null
          ? `wrk: ${wrkSkipped}\n`
          : `FCM mock with wrk: ${Math.round(wrkMockMedian)} req/s (median of ${wrkRounds.length}; ledger at ${keysAfter} recipients after)\n`) +
        `ledger: ${ledger.tableBytesPerRecipient.toFixed(1)} B/recipient in its table, ${ledger.heapBytesPerRecipient.toFixed(1)} B/recipient heap delta at ${RECIPIENTS} (goal < 100)\n` +
        'written to reports/bench/mocks.json\n',
    );
  } finally {
    child.kill('SIGTERM');
  }
}

if (process.argv[2] === 'serve') await serve();
else await main();
