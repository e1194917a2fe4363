/**
 * bench:own-dispatcher — how reliably `floodgate run --target --mocks` calls each of the outside
 * team's dispatcher bugs, through the same harness as test/e2e/own-dispatcher.test.ts: one
 * `floodgate mock` process, a Python dispatcher process per repetition, `floodgate run` as a
 * child process. Each case runs `OWN_REPS` (5) times:
 *   correct  two runs on the same mock and dispatcher, both expected to PASS with equal figures
 *   a        retry-new-key                       expected FAIL with provider.alimtalk.duplicates
 *   b        the start answered 401              expected FAIL with campaign.spring.accepted
 *   c        forget-second-run, run twice         expected PASS, then FAIL with campaign.spring.lost
 *   d        boundary-burst                       expected FAIL with provider.alimtalk.window
 * Every run's exit code, failed checks and campaign figures go to reports/bench/own-dispatcher.json;
 * one line per case is printed ("a: 5/5 FAIL with provider.alimtalk.duplicates").
 *
 *   npm run bench:own-dispatcher
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type MockCli,
  OWN_CAMPAIGN,
  OWN_PROVIDER,
  type OwnCase,
  type OwnRun,
  runOwnCase,
  startMockCli,
  stopAllOwn,
} from '../test/helpers/own-dispatcher.ts';

const REPS = Number(process.env.OWN_REPS ?? 5);
const OUT = 'reports/bench/own-dispatcher.json';

/** What each case must show: the expected exit code of each of its runs and the check its last run fails on. */
const EXPECTED: Record<Exclude<OwnCase, 'invalid'>, { codes: number[]; check: string | null }> = {
  correct: { codes: [0, 0], check: null },
  a: { codes: [1], check: `provider.${OWN_PROVIDER}.duplicates` },
  b: { codes: [1], check: `campaign.${OWN_CAMPAIGN}.accepted` },
  c: { codes: [0, 1], check: `campaign.${OWN_CAMPAIGN}.lost` },
  d: { codes: [1], check: `provider.${OWN_PROVIDER}.window` },
};

interface RunRecord {
  exitCode: number | null;
  failed: string[];
  campaign: OwnRun['campaign'];
  /** The verdict's first line (or the error for an invalid run). */
  headline: string;
  ms: number;
}

interface RepRecord {
  case: string;
  rep: number;
  ok: boolean;
  runs: RunRecord[];
}

/** Whether a repetition showed what its case must show. */
function judged(which: keyof typeof EXPECTED, runs: OwnRun[]): boolean {
  const e = EXPECTED[which];
  if (runs.length !== e.codes.length || runs.some((r, i) => r.code !== e.codes[i])) return false;
  const last = runs[runs.length - 1] as OwnRun;
  if (e.check) return last.failed.includes(e.check);
  // The correct dispatcher: every run passes with delivered = requested, nothing duplicated, the same figures.
  const c = runs.map((r) => r.campaign);
  return c.every((f) => f && f.delivered === f.requested && f.duplicated === 0 && JSON.stringify(f) === JSON.stringify(c[0]));
}

/** "a: 5/5 FAIL with provider.alimtalk.duplicates", plus what the others did. */
function line(which: keyof typeof EXPECTED, reps: RepRecord[]): string {
  const e = EXPECTED[which];
  const ok = reps.filter((r) => r.ok).length;
  const what = e.check
    ? `${e.codes.length > 1 ? 'PASS then ' : ''}FAIL with ${e.check}`
    : `PASS x${e.codes.length}, delivered = requested, duplicated 0, same figures`;
  const others = reps
    .filter((r) => !r.ok)
    .map((r) => `rep ${r.rep}: ${r.runs.map((x) => `exit ${x.exitCode} [${x.failed.join(', ')}]`).join(' then ')}`);
  return `${which}: ${ok}/${reps.length} ${what}${others.length > 0 ? ` (other: ${others.join('; ')})` : ''}`;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fg-own-bench-'));
  const records: RepRecord[] = [];
  const lines: string[] = [];
  const started = Date.now();
  let mock: MockCli | undefined;
  try {
    mock = await startMockCli(dir);
    for (const which of Object.keys(EXPECTED) as (keyof typeof EXPECTED)[]) {
      const reps: RepRecord[] = [];
      for (let rep = 1; rep <= REPS; rep++) {
        const t0 = Date.now();
        const runs = await runOwnCase(which, dir, mock);
        const ms = Math.round((Date.now() - t0) / runs.length);
        const record: RepRecord = {
          case: which,
          rep,
          ok: judged(which, runs),
          runs: runs.map((r) => ({
            exitCode: r.code,
            failed: r.failed,
            campaign: r.campaign,
            headline: (r.out.split('\n')[0] || r.err.trim().split('\n')[0] || '').slice(0, 300),
            ms,
          })),
        };
        reps.push(record);
        records.push(record);
        process.stderr.write(
          `${which} ${rep}/${REPS}: ${record.runs.map((r) => `exit ${r.exitCode} [${r.failed.join(', ')}]`).join(' then ')}\n`,
        );
      }
      lines.push(line(which, reps));
    }
  } finally {
    await stopAllOwn();
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir('reports/bench', { recursive: true });
  const machine = { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) };
  await writeFile(
    OUT,
    `${JSON.stringify({ reps: REPS, seconds: Math.round((Date.now() - started) / 1000), machine, summary: lines, runs: records }, null, 2)}\n`,
  );
  process.stdout.write(`${lines.join('\n')}\nwritten: ${OUT}\n`);
  process.exitCode = records.every((r) => r.ok) ? 0 : 1;
}

await main();
