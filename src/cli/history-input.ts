import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { InputError, type Result } from '../core/index.ts';
import { readResultFile } from '../gate/index.ts';

/** A result and the file it came from. */
export interface HistoryEntry {
  file: string;
  result: Result;
}

/**
 * The result files of a history folder: every `*.json` in it, and `result.json` in each
 * subfolder (`reports/<scenario>/<timestamp>/result.json`, as `floodgate run` writes them).
 */
async function resultFiles(dir: string): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new InputError('FG_FILE_NOT_FOUND', `${dir}: cannot read the history folder (${code})`);
  }
  const files: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isFile() && e.name.endsWith('.json')) files.push(join(dir, e.name));
    else if (e.isDirectory()) {
      const nested = join(dir, e.name, 'result.json');
      if (
        await stat(nested)
          .then((s) => s.isFile())
          .catch(() => false)
      )
        files.push(nested);
    }
  }
  return files;
}

/**
 * Reads a history: every result in `dir`, oldest first. Refused (exit 4), naming the file: a
 * folder with no result, a file that is not a floodgate result, results of different scenarios.
 */
export async function loadHistory(dir: string, cwd: string): Promise<HistoryEntry[]> {
  const files = await resultFiles(dir);
  const shown = (f: string) => relative(cwd, f) || f;
  if (files.length === 0)
    throw new InputError(
      'FG_RESULT_INVALID',
      `${shown(dir)}: no result files (expected *.json results or <run>/result.json folders written by floodgate run)`,
    );
  const entries: HistoryEntry[] = [];
  for (const file of files) entries.push({ file, result: await readResultFile(shown(file)) });
  const first = entries[0] as HistoryEntry;
  for (const e of entries) {
    const name = e.result.meta.scenario.name;
    if (name !== first.result.meta.scenario.name)
      throw new InputError(
        'FG_RESULT_INVALID',
        `${shown(e.file)}: scenario "${name}", but ${shown(first.file)} is "${first.result.meta.scenario.name}": a history is of one scenario (put each scenario's results in its own folder)`,
      );
  }
  return entries.sort((a, b) => a.result.meta.startedAt.localeCompare(b.result.meta.startedAt));
}
