/**
 * The embedded system (reference dispatcher + mock providers) as its own process, so the load
 * generator keeps its event loop to itself and the dispatcher's memory is its own:
 *   node --import tsx src/cli/run/embedded-main.ts '{"system": {...}, "withDispatcher": true}'
 * Prints one JSON line `{"ready": {targetUrl, providers, pid}}` when listening, or
 * `{"error": {code, message, issues}}` and exits 4/5 when it cannot start. SIGTERM or SIGINT
 * closes it cleanly. Started by `startEmbeddedSystemInChild`; a server's main may touch process.
 * Once ready, a stdin line `{"restart": {id, instance, signal, downMs}}` restarts a dispatcher
 * process (when started `restartable`) and is answered by `{"restarted": {id, killedAt, readyAt}}`
 * or `{"restarted": {id, error}}`.
 */
import { FloodgateError } from '../../core/index.ts';
import { startEmbeddedSystem } from './embedded.ts';

const request = JSON.parse(process.argv[2] ?? '{}') as {
  system: Parameters<typeof startEmbeddedSystem>[0];
  withDispatcher: boolean;
  restartable?: boolean;
};
try {
  const sut = await startEmbeddedSystem(request.system, {
    withDispatcher: request.withDispatcher,
    ...(request.restartable ? { restartable: true } : {}),
  });
  const stop = async () => {
    await sut.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // The parent going away must not leave a server behind.
  process.stdin.on('end', stop).resume();
  let pending = '';
  process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const { restart } = JSON.parse(line) as { restart?: { id: number; instance: number; signal: 'SIGKILL' | 'SIGTERM'; downMs: number } };
      if (!restart) continue;
      const answer = (body: object) => process.stdout.write(`${JSON.stringify({ restarted: { id: restart.id, ...body } })}\n`);
      if (!sut.restart) answer({ error: 'the embedded dispatcher was not started restartable' });
      else sut.restart(restart).then(answer, (error: Error) => answer({ error: error.message }));
    }
  });
  process.stdout.write(`${JSON.stringify({ ready: { targetUrl: sut.targetUrl, providers: sut.providers, pid: process.pid } })}\n`);
} catch (error) {
  const e = error instanceof FloodgateError ? error : undefined;
  process.stdout.write(
    `${JSON.stringify({ error: { code: e?.code ?? 'FG_INTERNAL', message: (error as Error).message, issues: e?.issues ?? [] } })}\n`,
  );
  process.exit(e?.exitCode ?? 5);
}
