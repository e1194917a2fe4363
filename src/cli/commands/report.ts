import { dirname, resolve } from 'node:path';
import { ExitCode } from '../../core/index.ts';
import { parseCommandArgs } from '../args.ts';
import { COMPARE_FLAGS, loadResultAndComparison } from '../compare-input.ts';
import type { Command } from '../io.ts';
import { parseReportFormats, writeReportFiles } from '../report-files.ts';

/** `floodgate report`: renders a result as HTML, Markdown, JUnit XML and JSON files. */
export const reportCommand: Command = {
  name: 'report',
  summary: 'render a result as HTML, Markdown, JUnit XML or JSON',
  usage: `Usage: floodgate report <result.json> [--format html|md|junit|json|all] [--out DIR] [--baseline old.json]

Writes report.html (self-contained, opens offline), summary.md, junit.xml and summary.json
(or the formats named, comma-separated) and prints their paths. With --step-summary and
$GITHUB_STEP_SUMMARY set, the Markdown summary is appended to it (\`floodgate run\` already
appends its own, so a workflow that runs then reports shows it once; the same result is never
appended twice to one file).

Options:
  --format F       html, md, junit, json or all (default all)
  --out DIR        where to write (default: the result file's directory)
  --baseline FILE  include a comparison with a result of the same scenario
  --noise P        change below which a difference is noise (default 10%)
  --alpha A        significance level of the Mann-Whitney test (default 0.05)
  --step-summary   append the Markdown summary to $GITHUB_STEP_SUMMARY
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('report', argv, {
      ...COMPARE_FLAGS,
      format: { type: 'string' },
      out: { type: 'string' },
      'step-summary': { type: 'boolean' },
    });
    const formats = parseReportFormats('report', values.format);
    const { result, resultPath, comparison } = await loadResultAndComparison('report', io.cwd, positionals[0], values);
    const out = values.out ? resolve(io.cwd, values.out) : dirname(resultPath);
    const { paths, stepSummary } = await writeReportFiles(out, result, comparison, formats, io, {
      stepSummary: values['step-summary'] === true,
    });
    for (const format of formats) io.stdout.write(`${paths[format]}\n`);
    if (stepSummary) io.stdout.write(`appended the summary to ${stepSummary}\n`);
    return ExitCode.Pass;
  },
};
