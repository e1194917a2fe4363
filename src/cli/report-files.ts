import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, type Result } from '../core/index.ts';
import type { Comparison } from '../gate/index.ts';
import { renderHtmlReport, renderJson, renderJunit, renderMarkdown } from '../report/index.ts';
import type { CliIo } from './io.ts';

/** The report formats `floodgate report` and `floodgate run` write. */
export const REPORT_FORMATS = ['html', 'md', 'junit', 'json'] as const;
/** One of {@link REPORT_FORMATS}. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The file each format is written to, in the run's (or `--out`) folder. */
export const REPORT_FILE_NAMES: Record<ReportFormat, string> = {
  html: 'report.html',
  md: 'summary.md',
  junit: 'junit.xml',
  json: 'summary.json',
};

/** `--format html,md` -> the formats; `all` (the default) is every one. */
export function parseReportFormats(command: string, value: string | undefined): ReportFormat[] {
  const requested = (value ?? 'all').split(',').map((s) => s.trim());
  if (requested.includes('all')) return [...REPORT_FORMATS];
  for (const f of requested) {
    if (!(REPORT_FORMATS as readonly string[]).includes(f)) {
      throw new InputError('FG_USAGE', `floodgate ${command}: unknown --format "${f}"; use ${REPORT_FORMATS.join(', ')} or all`);
    }
  }
  return requested as ReportFormat[];
}

/**
 * Renders `result` (and its comparison) in each format into `dir`, then, when `stepSummary` is
 * asked for and `$GITHUB_STEP_SUMMARY` is set, appends the Markdown summary to it once (see
 * {@link appendStepSummary}). Returns the paths written and the step-summary file when one was
 * appended to.
 */
export async function writeReportFiles(
  dir: string,
  result: Result,
  comparison: Comparison | null,
  formats: readonly ReportFormat[],
  io: Pick<CliIo, 'env'>,
  options: { stepSummary: boolean } = { stepSummary: false },
): Promise<{ paths: Record<ReportFormat, string | undefined>; stepSummary: string | null }> {
  await mkdir(dir, { recursive: true });
  const render: Record<ReportFormat, () => string | Promise<string>> = {
    html: () => renderHtmlReport(result, comparison),
    md: () => renderMarkdown(result, comparison),
    junit: () => renderJunit(result, comparison),
    json: () => renderJson(result, comparison),
  };
  const paths: Record<ReportFormat, string | undefined> = { html: undefined, md: undefined, junit: undefined, json: undefined };
  for (const format of formats) {
    const path = join(dir, REPORT_FILE_NAMES[format]);
    await writeFile(path, await render[format]());
    paths[format] = path;
  }
  const stepSummary = options.stepSummary ? await appendStepSummary(io.env.GITHUB_STEP_SUMMARY, result, comparison) : null;
  return { paths, stepSummary };
}

/**
 * The step-summary rule: `floodgate run` appends its summary to `$GITHUB_STEP_SUMMARY`;
 * `floodgate report` only with `--step-summary` (a result from `import k6` or another job).
 * A result's summary carries a marker (scenario hash and start time), and one already in the
 * file is not appended again, so `run` then `report --step-summary` in one step shows it once.
 * Returns the file appended to, or null.
 */
export async function appendStepSummary(file: string | undefined, result: Result, comparison: Comparison | null): Promise<string | null> {
  if (!file) return null;
  const marker = `<!-- floodgate summary ${result.meta.scenario.hash} ${result.meta.startedAt} -->`;
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (existing.includes(marker)) return null;
  // The marker after the summary, so the summary still starts with its verdict line.
  await appendFile(file, `${renderMarkdown(result, comparison)}${marker}\n\n`);
  return file;
}
