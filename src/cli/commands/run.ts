import { join, relative, resolve } from 'node:path';
import { InputError, type Result, RunInvalidError } from '../../core/index.ts';
import { buildVerdict, checkSameScenario, compareWithBaseline, evaluateThresholds, stampVerdict } from '../../gate/index.ts';
import { renderVerdictWithUnits } from '../../report/index.ts';
import { runScenario, writeResultFile } from '../../runner/index.ts';
import { numberFlag, parseCommandArgs } from '../args.ts';
import { colourEnabled, colourVerdictText, painter } from '../colour.ts';
import { COMPARE_FLAGS, loadBaseline } from '../compare-input.ts';
import type { CliIo, Command } from '../io.ts';
import { prepareOutDir } from '../out-dir.ts';
import { writeReportFiles } from '../report-files.ts';
import { notStartedResult } from '../run/invalid-result.ts';
import { loadScenario } from '../run/load-scenario.ts';
import { createProgressWriter, progressContextOf } from '../run/progress.ts';
import { pickRepresentative, type Repetition, runDirectory, writeRepetition } from '../run/repetitions.ts';
import { gitCommit, scenarioRunOptions } from '../run/run-options.ts';
import { RUN_WIRING, type RunWiring } from '../run/wiring.ts';
import { VERSION } from '../version.ts';

const USAGE = `Usage: floodgate run <scenario.yaml> [options]

Starts what the scenario says (or uses --target), drives its load, tracks its campaigns, and
judges the run exactly as \`floodgate gate\` judges result.json: the scenario's thresholds, the
built-in correctness checks (duplicates, lost recipients, a sliding second over a provider's
limit, provider rejections) and the run's validity. Prints the verdict first, then the details
and the report's path. Writes into reports/<scenario>/<timestamp>/ (or --out):
  result.json, report.html (self-contained), summary.md, junit.xml
and appends the Markdown summary to $GITHUB_STEP_SUMMARY when it is set (\`floodgate report\`
does not, unless given --step-summary, so a workflow shows it once). An unreachable target or mock
still writes result.json and junit.xml, marked INVALID (exit 3). The verdict is coloured on a
terminal (NO_COLOR turns it off, FORCE_COLOR on when piped).

A scenario that expects rejections (a mock in overLimit: reject mode, to test retries) says so
with its own threshold, e.g. \`provider.alimtalk.rejected: "< 500"\`: that threshold then replaces
the built-in "no rejection" check (and the baseline does not compare rejections strictly).

Options:
  --target URL     the system under test: your own dispatcher (overrides system.dispatcher)
  --mocks URL      a long-lived \`floodgate mock\` your dispatcher sends to (its origin, e.g.
                   http://127.0.0.1:9090; overrides system.mocks). The scenario's provider
                   settings are pushed to it for the run and restored after; only this run's
                   deliveries are counted. Its admin token: system.mocks.token or FLOODGATE_MOCK_TOKEN
  --scale F        shrink counts and durations by F, keep rates (e.g. 0.01)
  --out DIR        write into DIR instead of reports/<scenario>/<timestamp>
  --baseline FILE  compare with a result of the same scenario (exit 2 on a regression)
  --noise P        a latency or throughput change smaller than this is noise (default 10%)
  --alpha A        significance level of the Mann-Whitney test (default 0.05)
  --repeat N       run the scenario N times, one after another (default 1); see below
  --json           print a JSON summary on stdout instead of the verdict text
  --fail-fast      end the run at its first definite failure (a campaign's first duplicate
                   delivery): the run is still read to its end and judged FAIL, and the
                   recipients not yet delivered are not judged lost (the campaign says
                   "stoppedEarly"). For a dispatcher known to be broken, or CI's first signal
  -h, --help       this text

--repeat N, for noisy machines: runs the candidate N times in a row (it does not interleave
baseline runs: floodgate has no way to run the baseline's build; the baseline is the one result
file given, so record it on a quiet machine). Each repetition is written to repeat-<i>/result.json.
Thresholds and correctness checks are judged per repetition, and the run is judged and reported
by its worst repetition (whose result.json is copied next to the reports). Against --baseline the
repetitions are pooled: correctness counts take the worst repetition, throughput efficiency the
median of the per-repetition figures, latency the per-second p95 samples of all repetitions
together (one Mann-Whitney test and bootstrap interval on the pool).

Exit codes: 0 pass, 1 thresholds or correctness checks failed, 2 regression against the baseline,
3 run invalid (target unreachable, generator saturated, aborted), 4 bad scenario or arguments.
`;

/** Builds the `run` command with its wiring (the embedded system, the USL fit, plan values). */
export function createRunCommand(wiring: RunWiring = RUN_WIRING): Command {
  return {
    name: 'run',
    summary: 'run a scenario, write result.json and reports, and gate it (the exit code is the verdict)',
    usage: USAGE,
    async run(argv: string[], io: CliIo): Promise<number> {
      const { values, positionals } = parseCommandArgs('run', argv, {
        ...COMPARE_FLAGS,
        target: { type: 'string' },
        mocks: { type: 'string' },
        scale: { type: 'string' },
        out: { type: 'string' },
        repeat: { type: 'string' },
        json: { type: 'boolean' },
        'fail-fast': { type: 'boolean' },
      });
      const file = positionals[0];
      if (!file || positionals.length > 1)
        throw new InputError('FG_USAGE', 'floodgate run: give exactly one scenario file (see floodgate run --help)');
      const scale = numberFlag('run', 'scale', values.scale) ?? 1;
      if (!(scale > 0)) throw new InputError('FG_USAGE', `floodgate run: --scale must be above 0, got ${values.scale}`);
      const repeat = numberFlag('run', 'repeat', values.repeat) ?? 1;
      if (!Number.isInteger(repeat) || repeat < 1 || repeat > MAX_REPEAT)
        throw new InputError('FG_USAGE', `floodgate run: --repeat must be a whole number from 1 to ${MAX_REPEAT}, got ${values.repeat}`);
      for (const flag of ['target', 'mocks'] as const) {
        const url = values[flag];
        if (url !== undefined && !isHttpUrl(url))
          throw new InputError('FG_USAGE', `floodgate run: --${flag} must be an http(s) URL, got "${url.slice(0, 200)}"`);
      }
      const baseline = await loadBaseline('run', io.cwd, values);
      const path = resolve(io.cwd, file);
      // Plan files are named relative to the working directory, like the scenario itself.
      const planValues = wiring.resolvePlanValue;
      const resolvePlanValue = planValues ? (plan: string, value: string) => planValues(resolve(io.cwd, plan), value) : undefined;
      const loaded = await loadScenario(path, {
        scale,
        env: io.env,
        ...(resolvePlanValue ? { resolvePlanValue } : {}),
        ...(values.target ? { target: values.target } : {}),
      });
      if (baseline) checkSameScenario(baseline.baseline, { name: loaded.scenario.name, hash: loaded.hash }, baseline.options.label);
      // Where the results go is checked before the load: a folder that cannot be written would lose them after it.
      const outDir = values.out ? resolve(io.cwd, values.out) : null;
      await prepareOutDir(
        outDir ?? join(io.cwd, 'reports', loaded.scenario.name),
        outDir ? `floodgate run --out ${values.out}` : 'floodgate run',
      );
      const runOnce = async (): Promise<Result> => {
        const progress = createProgressWriter(io.stderr, { env: io.env, context: progressContextOf(loaded.scenario) });
        const startedAt = Date.now();
        try {
          const result = await runScenario(
            loaded.scenario,
            scenarioRunOptions(
              { io, wiring, file, target: values.target, mocks: values.mocks, ...(values['fail-fast'] ? { failFast: true } : {}) },
              loaded,
              scale,
              loaded.thresholds,
              (p) => progress.update(p),
            ),
          );
          return result;
        } catch (error) {
          // An unreachable target or mock still leaves a result.json and junit.xml, marked INVALID.
          if (!(error instanceof RunInvalidError)) throw error;
          io.stderr.write(`error: ${error.message}\n`);
          const result = notStartedResult({
            scenario: { name: loaded.scenario.name, file, hash: loaded.hash },
            toolVersion: VERSION,
            gitCommit: gitCommit(io.cwd),
            scale,
            target: values.target ?? null,
            startedAt,
            endedAt: Date.now(),
            reason: error.message,
          });
          const judged = { ...result, thresholds: evaluateThresholds(loaded.thresholds, result) };
          return stampVerdictResult(judged);
        } finally {
          progress.done();
        }
      };
      const runs: Repetition[] = [];
      let root = '';
      for (let i = 0; i < repeat && !io.signal.aborted; i++) {
        if (repeat > 1) io.stderr.write(`repetition ${i + 1} of ${repeat}\n`);
        const result = await runOnce();
        if (i === 0) root = runDirectory(io.cwd, outDir, result);
        runs.push(await writeRepetition(root, i, repeat, result));
        if (repeat > 1) io.stderr.write(`repetition ${i + 1}: ${buildVerdict(result).headline}\n`);
      }
      const chosen = pickRepresentative(runs);
      const resultPath = runs.length > 1 ? await writeResultFile(root, chosen.result) : chosen.path;
      const comparison = baseline
        ? compareWithBaseline(
            runs.map((r) => r.result),
            baseline.baseline,
            baseline.options,
          )
        : null;
      const verdict = buildVerdict(chosen.result, comparison);
      const { paths, stepSummary } = await writeReportFiles(root, chosen.result, comparison, RUN_REPORTS, io, { stepSummary: true });
      const files = { result: resultPath, report: paths.html, summary: paths.md, junit: paths.junit };
      if (values.json) {
        const { status, exitCode, headline, reasons } = verdict;
        const repetitions = runs.map((r) => r.path);
        io.stdout.write(
          `${JSON.stringify({ status, exitCode, headline, validity: chosen.result.validity, ...files, repetitions, reasons })}\n`,
        );
      } else {
        const paint = painter(colourEnabled(io.stdout, io.env));
        io.stdout.write(colourVerdictText(renderVerdictWithUnits(verdict), paint, chosen.result.validity.verdict === 'DEGRADED'));
        if (runs.length > 1) {
          io.stdout.write(`\nRepetitions (judged by ${relative(root, chosen.path)}):\n`);
          for (const r of runs) io.stdout.write(`  ${relative(root, r.path)}: ${buildVerdict(r.result).headline}\n`);
        }
        io.stdout.write(`\nresult: ${files.result}\nreport: ${files.report}\n`);
        io.stdout.write(`summary: ${files.summary}\njunit: ${files.junit}\n`);
        if (stepSummary) io.stdout.write(`appended the summary to ${stepSummary}\n`);
      }
      return verdict.exitCode;
    },
  };
}

/** The result with the gate's verdict stored in it, as a finished run's. */
function stampVerdictResult(result: Result): Result {
  return { ...result, verdict: stampVerdict(result).verdict };
}

/** An http(s) URL with a valid host and port (`http://127.0.0.1:99999` is not). */
function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Reports `run` writes next to result.json (summary.json is `floodgate report`'s). */
const RUN_REPORTS = ['html', 'md', 'junit'] as const;

/** More repetitions than this is a typo, not a plan. */
const MAX_REPEAT = 100;

/** `floodgate run`. */
export const runCommand: Command = createRunCommand();
