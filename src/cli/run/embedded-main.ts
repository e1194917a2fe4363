/**
 * The embedded system (reference dispatcher + mock providers) as its own process, so the load
 * generator keeps its event loop to itself and the dispatcher's memory is its own:
 *   node --import tsx src/cli/run/embedded-main.ts '{"system": {...}, "withDispatcher": true}'
 * Prints one JSON line `{"ready": {targetUrl, providers, pid}}` when listening, or
 * `{"error": {code, message, issues}}` and exits 4/5 when it cannot start. SIGTERM or SIGINT
 * closes it cleanly. Started by `startEmbeddedSystemInChild`; a server's main may touch process.
 */
import { FloodgateError } from '../../core/index.ts';
import { startEmbeddedSystem } from './embedded.ts';

const request = JSON.parse(process.argv[2] ?? '{}') as { system: Parameters<typeof startEmbeddedSystem>[0]; withDispatcher: boolean };
try {
  const sut = await startEmbeddedSystem(request.system, { withDispatcher: request.withDispatcher });
  const stop = async () => {
    await sut.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // The parent going away must not leave a server behind.
  process.stdin.on('end', stop).resume();
  process.stdout.write(`${JSON.stringify({ ready: { targetUrl: sut.targetUrl, providers: sut.providers, pid: process.pid } })}\n`);
} catch (error) {
  const e = error instanceof FloodgateError ? error : undefined;
  process.stdout.write(
    `${JSON.stringify({ error: { code: e?.code ?? 'FG_INTERNAL', message: (error as Error).message, issues: e?.issues ?? [] } })}\n`,
  );
  process.exit(e?.exitCode ?? 5);
}
