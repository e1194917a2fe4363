/**
 * bench:aa — the gate's false-regression rate (issue 6: "an A/A comparison, a run against a
 * baseline from the same code, passes in at least 19 of 20 repetitions on this machine").
 *
 * The reference dispatcher and the Alimtalk mock each run as their own process (as in
 * test/e2e/bad-dispatchers.test.ts, with the same scenario shape: a 1,000-recipient campaign at
 * the broker's 200/s and `POST /v1/messages` at 20/s for 6 s). One run is the baseline; then
 * `AA_REPS` (20) more runs of the same code, each judged against it exactly as
 * `floodgate gate result.json --baseline baseline.json` does. An INVALID run (the generator fell
 * behind on this shared machine) says nothing about the comparison: it is counted and re-run, at
 * most `AA_REPS` times in all. Figures go to reports/bench/aa.json.
 *
 *   npm run bench:aa
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DispatcherProcess,
  type Judgement,
  judge,
  type MocksProcess,
  runAgainst,
  startMocksProcess,
  startReferenceDispatcher,
  warmUp,
  writeE2eScenario,
} from '../test/helpers/e2e-system.ts';

const REPS = Number(process.env.AA_REPS ?? 20);
const GOAL = Math.ceil(REPS * 0.95);
const TPS = 200;

interface RunFigures {
  run: number;
  status: string;
  exitCode: number;
  reasons: string[];
  latency: {
    p: number;
    method: string;
    ratio: number;
    ciLower: number;
    ciUpper: number;
    baselineMedian: number;
    candidateMedian: number;
  } | null;
  efficiency: Record<string, { baseline: number; candidate: number; change: number; regressed: boolean }>;
  counts: Record<string, [number | null, number]>;
  notes: string[];
}

function figures(run: number, j: Judgement): RunFigures {
  const c = j.verdict.comparison;
  const l = c?.latency;
  const r3 = (n: number) => Math.round(n * 1000) / 1000;
  return {
    run,
    status: j.verdict.status,
    exitCode: j.code,
    reasons: j.verdict.reasons,
    latency: l
      ? {
          p: l.test.p,
          method: l.test.method,
          ratio: r3(l.ratio.estimate),
          ciLower: r3(l.ratio.lower),
          ciUpper: r3(l.ratio.upper),
          baselineMedian: r3(l.baselineMedian),
          candidateMedian: r3(l.candidateMedian),
        }
      : null,
    efficiency: Object.fromEntries(
      (c?.efficiency ?? []).map((e) => [
        e.metric,
        { baseline: r3(e.baseline), candidate: r3(e.candidate), change: r3(e.change), regressed: e.regressed },
      ]),
    ),
    counts: Object.fromEntries(
      (c?.counts ?? []).filter((d) => d.candidate !== 0 || d.baseline).map((d) => [d.metric, [d.baseline, d.candidate]]),
    ),
    notes: c?.notes ?? [],
  };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function main(): Promise<void> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'fg-bench-aa-'));
  let mocks: MocksProcess | undefined;
  let dispatcher: DispatcherProcess | undefined;
  try {
    mocks = await startMocksProcess({ providers: { alimtalk: { kind: 'alimtalk', tps: TPS, algorithm: 'window', overLimit: 'reject' } } });
    dispatcher = await startReferenceDispatcher(dir, mocks.urls.alimtalk as string, TPS);
    await warmUp(dispatcher.url, 20);
    const scenario = await writeE2eScenario(dir, {
      name: 'aa',
      mockOrigin: mocks.origin,
      campaign: { recipients: 1000, deadlineMs: 7000 },
      apiSeconds: 6,
      apiRate: 20,
      rssBound: '256MB',
      lagInvalid: '250ms',
    });
    const m = mocks;
    const d = dispatcher;
    const runOnce = async (name: string) => {
      await new Promise((r) => setTimeout(r, 1500)); // the last run's sends settle before the reset
      await m.reset('alimtalk');
      return (await runAgainst(scenario, d.url, join(dir, name))).resultPath;
    };

    let baseline = '';
    let baselineVerdict: Judgement | undefined;
    for (let attempt = 0; attempt < 3 && baselineVerdict?.verdict.status !== 'pass'; attempt++) {
      baseline = await runOnce(`baseline-${attempt}`);
      baselineVerdict = await judge(baseline);
      process.stderr.write(`baseline: ${baselineVerdict.verdict.headline}\n`);
    }
    if (baselineVerdict?.verdict.status !== 'pass') throw new Error('no passing baseline in 3 attempts');

    const runs: RunFigures[] = [];
    let invalid = 0;
    for (let i = 1; runs.length < REPS && invalid < REPS; i++) {
      const j = await judge(await runOnce(`run-${i}`), baseline);
      process.stderr.write(`run ${i}: ${j.verdict.headline}\n`);
      if (j.verdict.status === 'invalid') {
        invalid++;
        continue;
      }
      runs.push(figures(i, j));
    }

    const passes = runs.filter((r) => r.status === 'pass').length;
    const ps = runs.flatMap((r) => (r.latency ? [r.latency.p] : []));
    const ratios = runs.flatMap((r) => (r.latency ? [r.latency.ratio] : []));
    const out = {
      bench: 'aa',
      command: 'npm run bench:aa',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, loadavg: loadavg().map((x) => Math.round(x * 100) / 100) },
      scenario: { campaign: 1000, providerTps: TPS, api: '20/s for 6 s', compare: { alpha: 0.05, noise: 0.1 } },
      reps: runs.length,
      passes,
      goal: GOAL,
      met: passes >= GOAL,
      invalidRuns: invalid,
      latency: {
        pMedian: median(ps),
        pMin: ps.length ? Math.min(...ps) : null,
        belowAlpha: ps.filter((p) => p < 0.05).length,
        ratioMedian: median(ratios),
        ratioMax: ratios.length ? Math.max(...ratios) : null,
      },
      failures: runs.filter((r) => r.status !== 'pass').map((r) => ({ run: r.run, status: r.status, reasons: r.reasons })),
      baseline: { headline: baselineVerdict.verdict.headline },
      runs,
      wallSeconds: Math.round((Date.now() - started) / 1000),
    };
    await mkdir('reports/bench', { recursive: true });
    await writeFile('reports/bench/aa.json', `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write(
      `A/A: ${passes}/${runs.length} passed against the baseline (goal >= ${GOAL}); ${invalid} invalid run(s) re-run; latency p median ${out.latency.pMedian?.toPrecision(3)}, ratio median ${out.latency.ratioMedian}; ${out.wallSeconds} s -> reports/bench/aa.json\n`,
    );
    if (!out.met) process.exitCode = 1;
  } finally {
    await dispatcher?.stop();
    await mocks?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
