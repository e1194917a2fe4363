import { join } from 'node:path';
import { InputError, type Result } from '../../core/index.ts';
import { buildVerdict } from '../../gate/index.ts';
import { defaultRunDir, writeResultFile } from '../../runner/index.ts';

/** One finished repetition and where its result.json was written. */
export interface Repetition {
  result: Result;
  path: string;
}

const SEVERITY: Record<string, number> = { invalid: 3, fail: 2, regression: 1, pass: 0 };

/**
 * The repetition the run is judged and reported by: the one with the worst gate verdict
 * (invalid, then fail), the last of equals. Correctness failures in any repetition are real, so
 * the run cannot pass while one repetition fails.
 */
export function pickRepresentative(runs: readonly Repetition[]): Repetition {
  let worst = runs[0];
  if (!worst) throw new InputError('FG_USAGE', 'floodgate run: no repetition finished');
  for (const run of runs) {
    if ((SEVERITY[buildVerdict(run.result).status] ?? 0) >= (SEVERITY[buildVerdict(worst.result).status] ?? 0)) worst = run;
  }
  return worst;
}

/**
 * Where a run writes: `--out` or `reports/<scenario>/<timestamp>` of its first repetition; with
 * `--repeat N`, each repetition's result.json goes to `repeat-<i>/` inside it.
 */
export function runDirectory(cwd: string, out: string | null, first: Result): string {
  return out ?? defaultRunDir(cwd, first);
}

/** Writes one repetition's result.json (into `repeat-<i>/` when there are several). */
export async function writeRepetition(root: string, index: number, total: number, result: Result): Promise<Repetition> {
  const dir = total > 1 ? join(root, `repeat-${index + 1}`) : root;
  return { result, path: await writeResultFile(dir, result) };
}
