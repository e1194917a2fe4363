import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { FloodgateError, formatIssue } from '../src/core/index.ts';
import { createDispatcher, type DispatcherOptions, parseDispatcherConfig } from './index.ts';

/**
 * Runs a dispatcher as this process from `--config FILE [--db FILE] [--port N]`: prints one JSON
 * line `{"url", "pid"}` when it listens, closes cleanly on SIGINT/SIGTERM, and exits with the
 * config error's code (message, no stack) or 5 on a defect. `options` reach `createDispatcher`.
 */
export function serveFromArgs(options: DispatcherOptions = {}): void {
  main(options).catch((error: unknown) => {
    if (error instanceof FloodgateError) {
      process.stderr.write(`error: ${error.message}\n${error.issues.map((i) => `  ${formatIssue(i)}\n`).join('')}`);
      process.exit(error.exitCode);
    }
    process.stderr.write(`internal error: ${(error as Error).stack ?? error}\n`);
    process.exit(5);
  });
}

async function main(options: DispatcherOptions) {
  const { values } = parseArgs({ options: { config: { type: 'string' }, db: { type: 'string' }, port: { type: 'string' } } });
  const raw = (values.config ? parse(readFileSync(values.config, 'utf8')) : {}) as Record<string, unknown>;
  const config = parseDispatcherConfig({
    ...raw,
    ...(values.db ? { db: values.db } : {}),
    ...(values.port ? { port: Number(values.port) } : {}),
  });
  const dispatcher = createDispatcher(config, options);
  const url = await dispatcher.listen();
  process.stdout.write(`${JSON.stringify({ url, pid: process.pid })}\n`);
  const stop = async () => {
    await dispatcher.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
