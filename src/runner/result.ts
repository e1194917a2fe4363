import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { InternalError, RESULT_SCHEMA_VERSION, Result, zodIssues } from '../core/index.ts';

/** The machine the run happened on (the result's `meta.machine`). */
export function describeMachine(): Result['meta']['machine'] {
  const list = cpus();
  return {
    hostname: hostname(),
    platform: process.platform,
    arch: process.arch,
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memory: totalmem(),
    node: process.version,
  };
}

/** Everything but the schema version; checked against the contract before anyone reads it. */
export type ResultParts = Omit<Result, 'schemaVersion'>;

/**
 * Builds the result and validates it with the zod contract, so a defect shows here (exit 5)
 * and never as a file that reports and the gate cannot read.
 */
export function assembleResult(parts: ResultParts): Result {
  const parsed = Result.safeParse({ schemaVersion: RESULT_SCHEMA_VERSION, ...parts });
  if (!parsed.success) {
    const first = zodIssues(parsed.error.issues)
      .slice(0, 5)
      .map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new InternalError(`the runner built a result that breaks the contract: ${first.join('; ')}`);
  }
  return parsed.data;
}

/** `2026-11-23T07-00-00-123Z`: sortable and safe in file names. */
export function runTimestamp(iso: string): string {
  return iso.replace(/:/g, '-').replace('.', '-');
}

/** The default folder of a run: `reports/<scenario>/<timestamp>`. */
export function defaultRunDir(root: string, result: Result): string {
  return join(root, 'reports', result.meta.scenario.name, runTimestamp(result.meta.startedAt));
}

/** Writes `result.json` into `dir` (created if needed) and returns its path. */
export async function writeResultFile(dir: string, result: Result): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'result.json');
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
