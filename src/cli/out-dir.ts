import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InputError } from '../core/index.ts';

/** The words for the errors a folder that cannot be written meets. */
const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'a read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOENT: 'it cannot be created there',
  ENOSPC: 'no space left on the device',
  EEXIST: 'a file of that name is in the way',
};

const reason = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return REASONS[code] ? `${REASONS[code]} (${code})` : String((error as Error).message ?? error);
};

/**
 * Makes sure `dir` is a folder floodgate can write into, before any work that would be lost if it
 * is not: creates what is missing, one level at a time from the nearest folder that exists (Node's
 * recursive mkdir never returns under /proc), and checks it can be written. A run that cannot
 * write its results fails here, at once, with exit 4 naming `what` (the flag, or the default
 * folder), rather than after its whole load with a lost result.
 */
export async function prepareOutDir(dir: string, what: string): Promise<string> {
  const refuse = (why: string) => new InputError('FG_OUTPUT_UNWRITABLE', `${what}: cannot write into ${dir}: ${why}`);
  const missing: string[] = [];
  for (let at = dir; ; ) {
    const found = await stat(at).catch((error: NodeJS.ErrnoException) => {
      // Missing, or under a file (ENOTDIR): look further up, to name the file that is in the way.
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
      throw refuse(reason(error));
    });
    if (found) {
      if (!found.isDirectory()) throw refuse(at === dir ? 'it is a file, not a folder' : `${at} is a file, not a folder`);
      break;
    }
    const parent = dirname(at);
    missing.unshift(at);
    if (parent === at) break;
    at = parent;
  }
  for (const folder of missing) {
    await mkdir(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw refuse(reason(error));
    });
  }
  await access(dir, constants.W_OK).catch((error: unknown) => {
    throw refuse(reason(error));
  });
  return dir;
}
