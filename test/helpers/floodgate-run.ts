import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Result } from '../../src/core/index.ts';

const FLOODGATE = fileURLToPath(new URL('../../bin/floodgate.js', import.meta.url));

/** What one `floodgate run` process did: its exit code, its output and its result.json (if written). */
export interface FloodgateRun {
  code: number | null;
  out: string;
  err: string;
  result: Result | null;
}

/**
 * `floodgate run <scenario> --out <outDir> [...args]` as a user runs it; killed by its pid (SIGTERM,
 * then SIGKILL) if it has not exited within `timeoutMs`, so a hung run fails the test instead of the suite.
 */
export async function runFloodgateCli(
  scenario: string,
  outDir: string,
  args: readonly string[] = [],
  timeoutMs = 120_000,
): Promise<FloodgateRun> {
  const child = spawn(process.execPath, [FLOODGATE, 'run', scenario, '--out', outDir, ...args], {
    env: { ...process.env, FLOODGATE_MOCK_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => {
    err += `\n[no exit within ${timeoutMs} ms: stopped]`;
    child.kill('SIGTERM');
    setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 10_000).unref();
  }, timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  let result: Result | null = null;
  try {
    result = JSON.parse(await readFile(join(outDir, 'result.json'), 'utf8')) as Result;
  } catch {
    result = null;
  }
  return { code, out, err, result };
}
