import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfigFile } from '../../config/index.ts';
import { PlanSchema } from '../../config/plan-schema.ts';
import { ExitCode, InputError } from '../../core/index.ts';
import { buildPlan } from '../../planner/index.ts';
import { renderPlanHtml } from '../../report/plan-html.ts';
import { renderPlanJson } from '../../report/plan-json.ts';
import { renderPlanMarkdown } from '../../report/plan-md.ts';
import { renderPlanText } from '../../report/plan-text.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../io.ts';
import { prepareOutDir } from '../out-dir.ts';

const USAGE = `Usage: floodgate plan <plan.yaml> [--json] [--out DIR] [--strict]

Turns a capacity plan (audience, growth, traffic, call mix, campaigns, executors, pools,
USL points, budget) into targets and verdicts, and prints them as a table.

Options:
  --json       print the plan as JSON instead of the table
  --out DIR    also write plan.json, plan.md and plan.html into DIR
               (no files are written without --out)
  --strict     exit 1 when any of the plan's verdicts is FAIL (for CI)
  -h, --help   show this help

Exit codes: 0 the plan was computed (its verdicts are in the output; with --strict, none failed),
1 with --strict, a plan verdict failed, 4 bad input.
Examples: floodgate plan scenarios/plans/mail-morning.yaml
          floodgate plan scenarios/plans/alimtalk-420k.yaml --out reports/plans/alimtalk
`;

/** `floodgate plan`: capacity targets from a plan file. */
export const planCommand: Command = {
  name: 'plan',
  summary: 'compute capacity targets (TPS, users, drain time, pools, USL, budget) from a plan file',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('plan', argv, {
      json: { type: 'boolean' },
      out: { type: 'string' },
      strict: { type: 'boolean' },
    });
    if (positionals.length !== 1)
      throw new InputError('FG_USAGE', 'floodgate plan: give exactly one plan file (see floodgate plan --help)');
    const file = positionals[0] as string;
    const report = buildPlan(await loadConfigFile(PlanSchema, resolve(io.cwd, file)));
    const json = renderPlanJson(report);
    if (values.out) {
      const dir = resolve(io.cwd, values.out);
      await prepareOutDir(dir, `floodgate plan --out ${values.out}`);
      await writeFile(resolve(dir, 'plan.json'), json);
      await writeFile(resolve(dir, 'plan.md'), renderPlanMarkdown(report));
      await writeFile(resolve(dir, 'plan.html'), await renderPlanHtml(report));
    }
    io.stdout.write(values.json ? json : renderPlanText(report));
    if (values.out && !values.json) io.stdout.write(`Wrote plan.json, plan.md, plan.html to ${values.out}\n`);
    const failed = report.flags.filter((f) => f.severity === 'fail');
    if (values.strict && failed.length > 0) {
      // On stderr, so --json output stays parseable.
      io.stderr.write(`plan --strict: ${failed.length} verdict(s) FAIL: ${failed.map((f) => f.subject).join(', ')}\n`);
      return ExitCode.ThresholdsFailed;
    }
    return ExitCode.Pass;
  },
};
