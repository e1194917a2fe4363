import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ExitCode, InputError } from '../../core/index.ts';
import { renderHistoryHtml, renderHistoryMarkdown } from '../../report/index.ts';
import { parseCommandArgs } from '../args.ts';
import { COMPARE_FLAGS, loadResultAndComparison } from '../compare-input.ts';
import { loadHistory } from '../history-input.ts';
import type { CliIo, Command } from '../io.ts';
import { prepareOutDir } from '../out-dir.ts';
import { parseReportFormats, writeReportFiles } from '../report-files.ts';

/** `floodgate report`: renders a result as HTML, Markdown, JUnit XML and JSON files. */
export const reportCommand: Command = {
  name: 'report',
  summary: 'render a result as HTML, Markdown, JUnit XML or JSON',
  usage: `Usage: floodgate report <result.json> [--format html|md|junit|json|all] [--out DIR] [--baseline old.json]
       floodgate report --history <dir> [--out DIR]

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
  --history DIR    a trend across runs of one scenario: reads every result in DIR (*.json, or
                   <run>/result.json folders) and writes history.html (self-contained, charts of
                   busiest second over the limit, p95, drain time, peak memory and verdicts per
                   run) and history.md (a table of the same figures) into --out (default DIR)
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('report', argv, {
      ...COMPARE_FLAGS,
      format: { type: 'string' },
      out: { type: 'string' },
      'step-summary': { type: 'boolean' },
      history: { type: 'string' },
    });
    if (values.history !== undefined) return writeHistory(values.history, values.out, positionals, io);
    const formats = parseReportFormats('report', values.format);
    const { result, resultPath, comparison } = await loadResultAndComparison('report', io.cwd, positionals[0], values);
    const out = values.out ? resolve(io.cwd, values.out) : dirname(resultPath);
    await prepareOutDir(out, values.out ? `floodgate report --out ${values.out}` : 'floodgate report');
    const { paths, stepSummary } = await writeReportFiles(out, result, comparison, formats, io, {
      stepSummary: values['step-summary'] === true,
    });
    for (const format of formats) io.stdout.write(`${paths[format]}\n`);
    if (stepSummary) io.stdout.write(`appended the summary to ${stepSummary}\n`);
    return ExitCode.Pass;
  },
};

/** `floodgate report --history DIR`: history.html and history.md of the results in DIR. */
async function writeHistory(dir: string, outFlag: string | undefined, positionals: string[], io: CliIo): Promise<number> {
  if (positionals.length > 0)
    throw new InputError('FG_USAGE', 'floodgate report --history DIR: give the folder of results, not a result file as well');
  const from = resolve(io.cwd, dir);
  const results = (await loadHistory(from, io.cwd)).map((e) => e.result);
  const out = outFlag ? resolve(io.cwd, outFlag) : from;
  await prepareOutDir(out, outFlag ? `floodgate report --out ${outFlag}` : 'floodgate report --history');
  const html = join(out, 'history.html');
  const md = join(out, 'history.md');
  await writeFile(html, await renderHistoryHtml(results));
  await writeFile(md, renderHistoryMarkdown(results));
  io.stdout.write(`${html}\n${md}\n`);
  return ExitCode.Pass;
}
