/**
 * bench:runner — how fast and how precisely floodgate's open-model pacer sends, side by side
 * with autocannon (in-process, `overallRate`) and Artillery 2.0.21 (installed on demand), all
 * against the same loopback sink running in its own process. One run; figures go to
 * reports/bench/runner.json. Claims checked (issue 5):
 *   - constant 1,000/s and a ramp 100 -> 3,000/s over 30 s arrive within 1% of target in
 *     every full second, with p99 schedule lag <= 5 ms;
 *   - the highest constant arrival rate held within 1% in every full second (goal >= 5,000/s),
 *     and CPU milliseconds per 1,000 requests, for each tool. The climb has no ceiling: rates
 *     double from the start until one is not held, then bisect between the highest held and the
 *     lowest not held to 5%, within a time budget per tool (`BENCH_CLIMB_SECONDS`, default 240);
 *   - the physical anchor: `wrk` (Debian package, C, one thread, closed loop) against the same
 *     sink, median of 3 runs; floodgate's highest held open-model rate is quoted as a ratio to
 *     wrk's req/s. Without wrk the figure is null and the reason is recorded.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import autocannon from 'autocannon';
import { createRng, systemClock } from '../src/core/index.ts';
import { runPacer } from '../src/runner/pacer.ts';
import { createRecorder } from '../src/runner/recorder.ts';
import { buildSchedule, type RateStage } from '../src/runner/schedule.ts';
import { createRequestFactory } from '../src/runner/templates.ts';
import { installArtillery, runArtillery } from './artillery.ts';
import { type BenchSink, startBenchSink } from './sink.ts';
import { findWrk, runWrk, type WrkRun } from './wrk.ts';

const STEP_SECONDS = 5;
const TOLERANCE = 0.01;
/** Time each tool's climb may take; a climb cut short says so (`stoppedBy`). */
const CLIMB_BUDGET_MS = Number(process.env.BENCH_CLIMB_SECONDS ?? 240) * 1000;
/** The bisection stops when the highest held and the lowest not held rates are this close. */
const RESOLUTION = 0.05;
const WRK_RUNS = 3;

interface StepFigures {
  rate: number;
  perSecond: number[];
  maxDeviation: number;
  held: boolean;
  cpuMsPer1000: number | null;
  lagP99?: number | null;
  dropped?: number;
}

/** Largest relative deviation of each full second from its expected count. */
function deviation(counts: number[], expected: (second: number) => number, seconds: number): number {
  let worst = 0;
  for (let k = 0; k < seconds; k++) worst = Math.max(worst, Math.abs((counts[k] ?? 0) - expected(k)) / expected(k));
  return Math.round(worst * 10_000) / 10_000;
}

async function floodgate(sink: BenchSink, stages: RateStage[]) {
  await sink.reset();
  const recorder = createRecorder();
  const cpu0 = process.cpuUsage();
  const runStart = systemClock.now() + 100;
  await runPacer({
    origin: sink.url,
    schedule: buildSchedule(stages),
    requests: createRequestFactory([{ method: 'GET', path: '/' }], { rng: createRng(1), clock: systemClock }),
    recorder,
    clock: systemClock,
    runStart,
    phaseOffset: 0,
    timeout: 10_000,
    maxInFlight: 10_000,
    connections: 256,
    lateLimit: 1000,
    drain: 5000,
  });
  const cpu = process.cpuUsage(cpu0);
  const totals = recorder.finish(systemClock.now() - runStart);
  const { counts } = await sink.counts();
  return { counts, totals, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function autocannonRun(sink: BenchSink, rate: number, seconds: number) {
  await sink.reset();
  const cpu0 = process.cpuUsage();
  const result = await autocannon({ url: sink.url, connections: 100, pipelining: 1, overallRate: rate, duration: seconds });
  const cpu = process.cpuUsage(cpu0);
  const { counts } = await sink.counts();
  return { counts, requests: result.requests.total, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/**
 * Climbs to the highest rate a tool holds, with no ceiling: from `start` the rate doubles while
 * held; then it bisects between the highest held and the lowest not held until they are within
 * {@link RESOLUTION} (rounded to 100/s). If `start` itself is not held it halves instead. The
 * climb stops early when {@link CLIMB_BUDGET_MS} is spent.
 */
async function climb(name: string, start: number, one: (rate: number) => Promise<Omit<StepFigures, 'rate' | 'held' | 'maxDeviation'>>) {
  const steps: StepFigures[] = [];
  const started = Date.now();
  const inBudget = () => Date.now() - started < CLIMB_BUDGET_MS;
  const attempt = async (rate: number) => {
    const r = await one(rate);
    const maxDeviation = deviation(r.perSecond, () => rate, STEP_SECONDS - 1);
    const held = maxDeviation <= TOLERANCE && (r.dropped ?? 0) === 0;
    steps.push({ rate, ...r, maxDeviation, held });
    console.log(
      `${name} ${rate}/s: worst second off by ${(maxDeviation * 100).toFixed(2)}%, cpu ${r.cpuMsPer1000} ms/1000 req${held ? '' : '  (not held)'}`,
    );
    return held;
  };
  let held: number | null = null;
  let notHeld: number | null = null;
  for (let rate = start; inBudget(); rate *= 2) {
    if (await attempt(rate)) held = rate;
    else {
      notHeld = rate;
      break;
    }
  }
  // The start was not held: halve until a rate is (down to 100/s).
  while (held === null && notHeld !== null && notHeld > 100 && inBudget()) {
    const rate = Math.max(100, Math.round(notHeld / 2));
    if (await attempt(rate)) held = rate;
    else notHeld = rate;
  }
  while (held !== null && notHeld !== null && (notHeld - held) / held > RESOLUTION && inBudget()) {
    const mid = Math.round((held + notHeld) / 200) * 100;
    if (mid <= held || mid >= notHeld) break;
    if (await attempt(mid)) held = mid;
    else notHeld = mid;
  }
  const best = steps.find((s) => s.held && s.rate === held);
  const resolved = held !== null && notHeld !== null && (notHeld - held) / held <= RESOLUTION;
  return {
    steps,
    maxHeldRate: held,
    lowestNotHeldRate: notHeld,
    stoppedBy: resolved ? 'resolution' : inBudget() ? 'bracket cannot be split further' : 'time budget',
    cpuMsPer1000AtMax: best?.cpuMsPer1000 ?? null,
  };
}

/** wrk against the sink, {@link WRK_RUNS} times: the median req/s is the anchor; null (with the reason) without wrk. */
async function wrkAnchor(sink: BenchSink) {
  const found = findWrk();
  if ('skipped' in found) {
    console.log('wrk skipped:', found.skipped);
    return { skipped: found.skipped, requestsPerSecond: null };
  }
  const runs: (WrkRun & { sinkArrivals: number })[] = [];
  for (let i = 0; i < WRK_RUNS; i++) {
    await sink.reset();
    const run = await runWrk(found.bin, sink.url, STEP_SECONDS);
    runs.push({ ...run, sinkArrivals: (await sink.counts()).total });
    console.log(`wrk run ${i + 1}: ${run.requestsPerSecond} req/s, cpu ${run.cpuMsPer1000} ms/1000 req, ${run.errors} errors`);
  }
  const sorted = [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const median = sorted[Math.floor(sorted.length / 2)] as WrkRun;
  return {
    command: `wrk -t1 -c64 -d${STEP_SECONDS}s <sink>`,
    model: 'closed loop: each connection sends its next request when the last is answered',
    runs,
    requestsPerSecond: median.requestsPerSecond,
    cpuMsPer1000: median.cpuMsPer1000,
  };
}

async function main() {
  const sink = await startBenchSink();
  const out: Record<string, unknown> = {
    bench: 'runner',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverageAtStart: loadavg() },
    method: `one run; sink in its own process on 127.0.0.1 counts arrivals per full second from the first arrival; a rate is held when every full second of a ${STEP_SECONDS} s step (the last second, partial, excluded) is within ${TOLERANCE * 100}% and nothing was dropped; rates double from 1,000/s until one is not held, then bisect to ${RESOLUTION * 100}% (at most ${CLIMB_BUDGET_MS / 1000} s a tool); wrk (closed loop) against the same sink is the physical anchor`,
  };
  try {
    // Claim 1: constant 1,000/s for 10 s.
    const c = await floodgate(sink, [{ duration: 10_000, rate: 1000 }]);
    out.constant1000 = {
      perSecond: c.counts.slice(0, 10),
      maxDeviation: deviation(c.counts, () => 1000, 9),
      lagP99: c.totals.scheduleLag.p99,
      lagMax: c.totals.scheduleLag.max,
      dropped: c.totals.dropped,
    };
    console.log('floodgate constant 1000/s', out.constant1000);
    // Claim 2: ramp 100 -> 3,000/s over 30 s; second k holds 100 + 2900 (2k + 1) / 60 arrivals.
    const r = await floodgate(sink, [{ duration: 30_000, rate: 100, rampTo: 3000 }]);
    out.ramp100to3000 = {
      perSecond: r.counts.slice(0, 30),
      maxDeviation: deviation(r.counts, (k) => 100 + (2900 * (2 * k + 1)) / 60, 29),
      lagP99: r.totals.scheduleLag.p99,
      lagMax: r.totals.scheduleLag.max,
      dropped: r.totals.dropped,
    };
    console.log('floodgate ramp 100->3000/s', { ...(out.ramp100to3000 as object), perSecond: undefined });
    // Claim 3: highest rate held, each tool.
    out.floodgate = await climb('floodgate', 1000, async (rate) => {
      const f = await floodgate(sink, [{ duration: STEP_SECONDS * 1000, rate }]);
      const requests = f.totals.requests;
      return {
        perSecond: f.counts.slice(0, STEP_SECONDS),
        cpuMsPer1000: requests > 0 ? Math.round((f.cpuMs / requests) * 1000 * 10) / 10 : null,
        lagP99: f.totals.scheduleLag.p99,
        dropped: f.totals.dropped,
      };
    });
    out.autocannon = await climb('autocannon', 1000, async (rate) => {
      const a = await autocannonRun(sink, rate, STEP_SECONDS);
      return {
        perSecond: a.counts.slice(0, STEP_SECONDS),
        cpuMsPer1000: a.requests > 0 ? Math.round((a.cpuMs / a.requests) * 1000 * 10) / 10 : null,
      };
    });
    // BENCH_SKIP_ARTILLERY=1: no npm install of Artillery (offline, or a quick run); recorded as skipped.
    const artillery = process.env.BENCH_SKIP_ARTILLERY ? { skipped: 'BENCH_SKIP_ARTILLERY set' } : await installArtillery();
    if ('skipped' in artillery) {
      out.artillery = { skipped: artillery.skipped };
      console.log('artillery skipped:', artillery.skipped);
    } else {
      out.artillery = await climb('artillery', 500, async (rate) => {
        await sink.reset();
        const a = await runArtillery(artillery.bin, sink.url, rate, STEP_SECONDS);
        const { counts, total } = await sink.counts();
        return {
          perSecond: counts.slice(0, STEP_SECONDS),
          cpuMsPer1000: a.cpuMs !== null && total > 0 ? Math.round((a.cpuMs / total) * 1000 * 10) / 10 : null,
          ...(a.error ? { error: a.error } : {}),
        };
      });
    }
    const wrk = await wrkAnchor(sink);
    out.wrk = wrk;
    const f = out.floodgate as { maxHeldRate: number | null; cpuMsPer1000AtMax: number | null };
    const a = out.autocannon as { maxHeldRate: number | null; cpuMsPer1000AtMax: number | null };
    const ratio = (x: number | null, y: number | null) => (x && y ? Math.round((x / y) * 1000) / 1000 : null);
    out.ratios = {
      maxHeldRateFloodgateOverAutocannon: ratio(f.maxHeldRate, a.maxHeldRate),
      maxHeldRateFloodgateOverWrk: ratio(f.maxHeldRate, wrk.requestsPerSecond),
      maxHeldRateAutocannonOverWrk: ratio(a.maxHeldRate, wrk.requestsPerSecond),
      note: 'autocannon is the baseline measured in the same run; its overallRate is a per-connection quota reset each second, so it is not an open model. wrk is closed-loop (as fast as the sink answers): the ceiling any generator on this machine could reach against this sink',
    };
  } finally {
    await sink.close();
  }
  out.loadAverageAtEnd = loadavg();
  await mkdir('reports/bench', { recursive: true });
  await writeFile('reports/bench/runner.json', `${JSON.stringify(out, null, 2)}\n`);
  console.log('wrote reports/bench/runner.json');
}

await main();
