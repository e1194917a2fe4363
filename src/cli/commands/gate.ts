import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { buildVerdict } from '../../gate/index.ts';
import { renderJunit, renderVerdictWithUnits } from '../../report/index.ts';
import { parseCommandArgs } from '../args.ts';
import { colourEnabled, colourVerdictText, painter } from '../colour.ts';
import { COMPARE_FLAGS, loadResultAndComparison } from '../compare-input.ts';
import type { Command } from '../io.ts';
import { prepareOutDir } from '../out-dir.ts';

/**
 * `floodgate gate`: the verdict of a result (thresholds, correctness checks, validity) and, with
 * `--baseline`, of its comparison; the exit code is the verdict. `floodgate run` judges with the
 * same {@link buildVerdict}; repetitions (`--repeat N`) belong to `run`, the gate compares the two
 * result files it is given.
 */
export const gateCommand: Command = {
  name: 'gate',
  summary: 'judge a result (and compare it with a baseline); the exit code is the verdict',
  usage: `Usage: floodgate gate <result.json> [--baseline old.json] [--noise 10%] [--alpha 0.05] [--junit FILE]

Prints the verdict in one line, then the details, and exits with:
  0 pass, 1 thresholds or correctness checks failed, 2 regression against the baseline,
  3 run invalid, 4 bad input (unreadable or newer result, baseline from another scenario).

Options:
  --baseline FILE  compare with a result of the same scenario
  --noise P        a latency or throughput change smaller than this is noise (default 10%)
  --alpha A        significance level of the Mann-Whitney test (default 0.05)
  --junit FILE     also write JUnit XML there

\`floodgate run\` prints this same verdict for the result it writes. On a noisy machine,
\`floodgate run --repeat N --baseline old.json\` pools N runs of the candidate against the
baseline (see floodgate run --help); the gate compares the two result files it is given.
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('gate', argv, { ...COMPARE_FLAGS, junit: { type: 'string' } });
    const { result, comparison } = await loadResultAndComparison('gate', io.cwd, positionals[0], values);
    const verdict = buildVerdict(result, comparison);
    const paint = painter(colourEnabled(io.stdout, io.env));
    io.stdout.write(colourVerdictText(renderVerdictWithUnits(verdict), paint, result.validity.verdict === 'DEGRADED'));
    if (values.junit) {
      const path = resolve(io.cwd, values.junit);
      await prepareOutDir(dirname(path), `floodgate gate --junit ${values.junit}`);
      await writeFile(path, renderJunit(result, comparison));
      io.stdout.write(`\nJUnit: ${path}\n`);
    }
    return verdict.exitCode;
  },
};
