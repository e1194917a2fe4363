import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ExitCode, InputError } from '../../core/index.ts';
import { renderHtmlReport, renderJson, renderJunit, renderMarkdown } from '../../report/index.ts';
import { parseCommandArgs } from '../args.ts';
import { COMPARE_FLAGS, loadResultAndComparison } from '../compare-input.ts';
import type { Command } from '../io.ts';

const FORMATS = ['html', 'md', 'junit', 'json'] as const;
type Format = (typeof FORMATS)[number];
const FILE_NAMES: Record<Format, string> = { html: 'report.html', md: 'summary.md', junit: 'junit.xml', json: 'summary.json' };

function parseFormats(value: string | undefined): Format[] {
  const requested = (value ?? 'all').split(',').map((s) => s.trim());
  if (requested.includes('all')) return [...FORMATS];
  for (const f of requested) {
    if (!(FORMATS as readonly string[]).includes(f)) {
      throw new InputError('FG_USAGE', `floodgate report: unknown --format "${f}"; use ${FORMATS.join(', ')} or all`);
    }
  }
  return requested as Format[];
}

/** `floodgate report`: renders a result as HTML, Markdown, JUnit XML and JSON files. */
export const reportCommand: Command = {
  name: 'report',
  summary: 'render a result as HTML, Markdown, JUnit XML or JSON',
  usage: `Usage: floodgate report <result.json> [--format html|md|junit|json|all] [--out DIR] [--baseline old.json]

Writes report.html (self-contained, opens offline), summary.md, junit.xml and summary.json
(or the formats named, comma-separated) and prints their paths. When $GITHUB_STEP_SUMMARY
is set, the Markdown summary is appended to it.

Options:
  --format F       html, md, junit, json or all (default all)
  --out DIR        where to write (default: the result file's directory)
  --baseline FILE  include a comparison with a result of the same scenario
  --noise P        change below which a difference is noise (default 10%)
  --alpha A        significance level of the Mann-Whitney test (default 0.05)
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('report', argv, {
      ...COMPARE_FLAGS,
      format: { type: 'string' },
      out: { type: 'string' },
    });
    const formats = parseFormats(values.format);
    const { result, resultPath, comparison } = await loadResultAndComparison('report', io.cwd, positionals[0], values);
    const out = values.out ? resolve(io.cwd, values.out) : dirname(resultPath);
    await mkdir(out, { recursive: true });
    const render: Record<Format, () => string | Promise<string>> = {
      html: () => renderHtmlReport(result, comparison),
      md: () => renderMarkdown(result, comparison),
      junit: () => renderJunit(result, comparison),
      json: () => renderJson(result, comparison),
    };
    for (const format of formats) {
      const path = join(out, FILE_NAMES[format]);
      await writeFile(path, await render[format]());
      io.stdout.write(`${path}\n`);
    }
    const summaryFile = io.env.GITHUB_STEP_SUMMARY;
    if (summaryFile) {
      await appendFile(summaryFile, `${renderMarkdown(result, comparison)}\n`);
      io.stdout.write(`appended the summary to ${summaryFile}\n`);
    }
    return ExitCode.Pass;
  },
};
