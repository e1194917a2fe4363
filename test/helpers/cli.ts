import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli/io.ts';
import { runCli } from '../../src/cli/main.ts';

/** Runs the CLI in-process and captures its output. */
export async function cli(argv: string[], env: Record<string, string> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const io: CliIo = { stdout, stderr, env, cwd: process.cwd(), signal: new AbortController().signal };
  const code = await runCli(argv, io);
  return { code, out, err };
}
