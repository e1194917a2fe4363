import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ErrorCode, FloodgateError, type Issue } from '../../core/index.ts';
import type { RestartTiming, StartEmbeddedSystem, SystemUnderTest } from '../../runner/index.ts';

const MAIN = fileURLToPath(new URL('./embedded-main.ts', import.meta.url));
/** tsx's loader by absolute URL, so the child finds it whatever the user's working directory. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const READY_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * Starts the embedded system (see `startEmbeddedSystem`) in a child process. In the runner's
 * own process, the dispatcher's SQLite work and the mocks' bookkeeping delayed the generator's
 * event loop (p99 lag past 50 ms on a 2-core machine) and the scraped "dispatcher" memory was
 * floodgate's whole process; apart, the schedule lag is the generator's own and the memory the
 * dispatcher's. Only this process's child is ever killed, by its pid.
 */
export const startEmbeddedSystemInChild: StartEmbeddedSystem = (system, options) =>
  new Promise((resolve, reject) => {
    const request = { system, withDispatcher: options.withDispatcher, ...(options.restartable ? { restartable: true } : {}) };
    const child = spawn(process.execPath, ['--import', TSX, MAIN, JSON.stringify(request)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new Error(`the embedded system did not start within ${READY_TIMEOUT_MS / 1000}s: ${stderr.trim()}`)),
      READY_TIMEOUT_MS,
    );
    options.signal?.addEventListener('abort', () => fail(new Error('aborted while starting the embedded system')), { once: true });
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('exit', (code) =>
      fail(new Error(`the embedded system exited (code ${code}) before it was ready: ${stderr.trim() || stdout.trim()}`)),
    );
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline < 0 || settled) return;
      const line = JSON.parse(stdout.slice(0, newline)) as
        | { ready: { targetUrl: string; providers: Record<string, { adminUrl: string; kind?: string }> } }
        | { error: { code: ErrorCode; message: string; issues: Issue[] } };
      if ('error' in line) {
        fail(new FloodgateError(line.error.code, line.error.message, { issues: line.error.issues }));
        return;
      }
      settled = true;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      const control = controlChannel(child, stdout.slice(newline + 1), exited);
      resolve({
        kind: 'embedded',
        targetUrl: line.ready.targetUrl,
        providers: line.ready.providers,
        ...(options.restartable ? { restart: control.restart } : {}),
        close: async () => {
          if (child.exitCode !== null) return;
          child.kill('SIGTERM');
          const timeout = setTimeout(() => child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
          await exited;
          clearTimeout(timeout);
        },
      });
    });
  });

/**
 * The child's control lines after `ready`: restarts asked on its stdin, answered on its stdout by
 * id (see embedded-main.ts). A child that exits fails every restart still waiting.
 */
function controlChannel(child: ChildProcess, rest: string, exited: Promise<void>): { restart: NonNullable<SystemUnderTest['restart']> } {
  const waiting = new Map<number, { resolve: (t: RestartTiming) => void; reject: (e: Error) => void }>();
  let ids = 0;
  let buffer = rest;
  child.stdout?.on('data', (chunk) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let parsed: { restarted?: { id: number; killedAt?: number; readyAt?: number; error?: string } };
      try {
        parsed = JSON.parse(line);
      } catch {
        continue;
      }
      const r = parsed.restarted;
      const w = r && waiting.get(r.id);
      if (!r || !w) continue;
      waiting.delete(r.id);
      if (r.error !== undefined || r.killedAt === undefined || r.readyAt === undefined) w.reject(new Error(r.error ?? 'no timing'));
      else w.resolve({ killedAt: r.killedAt, readyAt: r.readyAt });
    }
  });
  void exited.then(() => {
    for (const w of waiting.values()) w.reject(new Error('the embedded system exited during a restart'));
    waiting.clear();
  });
  return {
    restart: (r) =>
      new Promise((resolve, reject) => {
        const id = ++ids;
        waiting.set(id, { resolve, reject });
        child.stdin?.write(`${JSON.stringify({ restart: { id, ...r } })}\n`);
      }),
  };
}
