/**
 * The dispatcher as its own process (deployments, crash tests):
 *   node --import tsx dispatcher/main.ts --config dispatcher.yaml [--db FILE] [--port N]
 * Prints one JSON line `{"url": ...}` when it listens; SIGINT/SIGTERM close it cleanly. The
 * CLI's `floodgate dispatcher` is the same with file:line:column config errors.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { FloodgateError, formatIssue } from '../src/core/index.ts';
import { createDispatcher, parseDispatcherConfig } from './index.ts';

async function main() {
  const { values } = parseArgs({ options: { config: { type: 'string' }, db: { type: 'string' }, port: { type: 'string' } } });
  const raw = (values.config ? parse(readFileSync(values.config, 'utf8')) : {}) as Record<string, unknown>;
  const config = parseDispatcherConfig({
    ...raw,
    ...(values.db ? { db: values.db } : {}),
    ...(values.port ? { port: Number(values.port) } : {}),
  });
  const dispatcher = createDispatcher(config);
  const url = await dispatcher.listen();
  process.stdout.write(`${JSON.stringify({ url, pid: process.pid })}\n`);
  const stop = async () => {
    await dispatcher.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  if (error instanceof FloodgateError) {
    process.stderr.write(`error: ${error.message}\n${error.issues.map((i) => `  ${formatIssue(i)}\n`).join('')}`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`internal error: ${(error as Error).stack ?? error}\n`);
  process.exit(5);
});
