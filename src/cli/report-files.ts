import { appendFile, mkdir, writeFile } from 'node:fs/promises';
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
 * Renders `result` (and its comparison) in each format into `dir`, then appends the Markdown
 * summary to `$GITHUB_STEP_SUMMARY` when it is set. Returns the paths written, in order, and
 * the step-summary file when one was appended to.
 */
export async function writeReportFiles(
  dir: string,
  result: Result,
  comparison: Comparison | null,
  formats: readonly ReportFormat[],
  io: Pick<CliIo, 'env'>,
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
  const stepSummary = io.env.GITHUB_STEP_SUMMARY || null;
  if (stepSummary) await appendFile(stepSummary, `${renderMarkdown(result, comparison)}\n`);
  return { paths, stepSummary };
}
