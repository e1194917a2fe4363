/**
 * Overload benchmark of the mock providers (`npm run bench:overload`), written to
 * reports/bench/overload.json: all four providers limited to 20 units/s (FCM 1,200/min), each
 * sent 200 requests a second (10x) for 30 s of real time over real sockets, paced in 50 ms ticks
 * from this process while the mocks run in a child process (`tsx bench/overload.ts serve`).
 *
 * Per provider: answers 2xx, answers in its own over-limit shape, anything else, network errors,
 * and whether what was admitted lies within what the shape allows in 30 s (floor 70%: a stalled
 * machine may lose whole windows). This was a unit test; its timing depends on the machine.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { createMockProviders } from '../mock-providers/index.ts';
import { AUTH, type Injected, OVERLOAD_CASES } from '../test/mocks/overload-cases.ts';

const OUT = join(import.meta.dirname, '..', 'reports', 'bench', 'overload.json');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const TICK_MS = 50;
const PER_TICK = 10;
type Name = (typeof OVERLOAD_CASES)[number]['name'];

/** What each shape admits at most in `s` seconds at 20 units/s. */
const CEILING: Record<Name, (s: number) => number> = {
  fcm: (s) => Math.min(1200 * Math.ceil(s / 60), 200 * s), // 1,200 a minute from the first message
  ses: (s) => 20 + 20 * (s + 1), // a full bucket, then 20/s
  sendgrid: (s) => 20 * (s + 1), // epoch-aligned 1 s windows, up to s + 1 touched
  alimtalk: (s) => 20 * (s + 1),
  sms: (s) => 20 * (s + 1),
};
const FLOOR: Record<Name, (s: number) => number> = {
  fcm: (s) => 0.7 * Math.min(1200, 200 * s),
  ses: (s) => 0.7 * 20 * s,
  sendgrid: (s) => 0.7 * 20 * s,
  alimtalk: (s) => 0.7 * 20 * s,
  sms: (s) => 0.7 * 20 * s,
};

async function serve(): Promise<void> {
  const config = Object.fromEntries(OVERLOAD_CASES.map((c) => [c.name, { kind: c.name, tps: c.name === 'fcm' ? '1200/min' : 20 }]));
  const mocks = createMockProviders({ providers: config as never });
  const { adminUrl } = await mocks.listen();
  process.stdout.write(`${JSON.stringify({ origin: adminUrl.replace(/\/__mock$/, '') })}\n`);
  process.on('SIGTERM', async () => {
    await mocks.close();
    process.exit(0);
  });
}

interface Tally {
  ok: number;
  overLimit: number;
  other: number;
  networkErrors: number;
}

/** Sends one request; every outcome is counted, so no rejection is left unhandled. */
async function send(agent: Agent, origin: string, c: (typeof OVERLOAD_CASES)[number], i: number, t: Tally): Promise<void> {
  try {
    const res = await fetch(origin + c.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...AUTH },
      body: JSON.stringify(c.payload(i)),
      dispatcher: agent,
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    const answer: Injected = { statusCode: res.status, json: () => json, headers: Object.fromEntries(res.headers) };
    if (res.status < 300) t.ok++;
    else if (c.overLimit(answer)) t.overLimit++;
    else t.other++;
  } catch {
    t.networkErrors++;
  }
}

async function drive(origin: string) {
  const agent = new Agent({ connections: 64 });
  const tally = Object.fromEntries(OVERLOAD_CASES.map((c) => [c.name, { ok: 0, overLimit: 0, other: 0, networkErrors: 0 }])) as Record<
    Name,
    Tally
  >;
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  let lateTicks = 0;
  const ticks = (SECONDS * 1000) / TICK_MS;
  for (let tick = 0; tick < ticks; tick++) {
    for (const c of OVERLOAD_CASES) {
      for (let j = 0; j < PER_TICK; j++) inFlight.push(send(agent, origin, c, tick * PER_TICK + j, tally[c.name]));
    }
    const wait = started + (tick + 1) * TICK_MS - performance.now();
    if (wait < 0) lateTicks++;
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  const stillServing: Record<string, number> = {};
  await new Promise((r) => setTimeout(r, 1100));
  for (const c of OVERLOAD_CASES) {
    const t: Tally = { ok: 0, overLimit: 0, other: 0, networkErrors: 0 };
    await send(agent, origin, c, 999_999, t);
    stillServing[c.name] = t.ok;
  }
  await agent.close();
  return { tally, seconds, lateTicks, ticks, stillServing };
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, 'serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const { origin } = await new Promise<{ origin: string }>((resolve, reject) => {
      child.stdout?.once('data', (chunk) => resolve(JSON.parse(String(chunk))));
      child.once('exit', (code) => reject(new Error(`mock server exited with ${code}`)));
    });
    const run = await drive(origin);
    const providers = Object.fromEntries(
      OVERLOAD_CASES.map((c) => {
        const t = run.tally[c.name];
        const sent = (1000 / TICK_MS) * PER_TICK * SECONDS;
        const bounds = [Math.floor(FLOOR[c.name](SECONDS)), CEILING[c.name](SECONDS)] as const;
        const met =
          t.other === 0 &&
          t.networkErrors === 0 &&
          t.ok + t.overLimit === sent &&
          t.ok >= bounds[0] &&
          t.ok <= bounds[1] &&
          run.stillServing[c.name] === 1;
        return [c.name, { sent, ...t, admittedBounds: bounds, stillServing: run.stillServing[c.name] === 1, met }];
      }),
    );
    const result = {
      machine: { cpus: cpus().length, node: process.version, loadavg: loadavg() },
      load: { seconds: SECONDS, requestsPerSecondPerProvider: (1000 / TICK_MS) * PER_TICK, limitPerSecond: 20 },
      wallSeconds: +run.seconds.toFixed(2),
      lateTicks: run.lateTicks,
      ticks: run.ticks,
      providers,
      met: Object.values(providers).every((p) => p.met),
      at: new Date().toISOString(),
    };
    console.log(JSON.stringify(result, null, 2));
    mkdirSync(join(OUT, '..'), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${OUT}`);
  } finally {
    child.kill('SIGTERM');
  }
}

if (process.argv[2] === 'serve') await serve();
else await main();
