import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'undici';
import type { Frozen, OwnDispatcher as OwnDispatcherSpec } from '../config/index.ts';

type OwnDispatcher = Frozen<OwnDispatcherSpec>;

import { RunInvalidError } from '../core/index.ts';
import type { RestartRequest, RestartTiming } from './system.ts';

/** How long a started dispatcher may take to answer its `ready` path, ms. */
export const OWN_READY_TIMEOUT_MS = 30_000;
/** How long a SIGTERM may take before SIGKILL, ms. */
export const OWN_STOP_TIMEOUT_MS = 5000;

/** A team's dispatcher that floodgate started from `system.dispatcher.command` and owns. */
export interface OwnDispatcherHandle {
  /** The current process's pid. */
  readonly pid: number;
  /** Kills this process (only it, by pid), waits `downMs`, starts the command again and waits until it is ready. */
  restart(r: RestartRequest): Promise<RestartTiming>;
  /** SIGTERM, then SIGKILL after {@link OWN_STOP_TIMEOUT_MS}. */
  close(): Promise<void>;
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  stderr: () => string;
}

function spawnOnce(spec: OwnDispatcher): Running {
  const [cmd, ...args] = spec.command as [string, ...string[]];
  const child = spawn(cmd, args, {
    ...(spec.cwd ? { cwd: spec.cwd } : {}),
    env: { ...process.env, ...(spec.env ?? {}) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (c) => {
    err = (err + c).slice(-2000);
  });
  // A command that cannot be spawned (ENOENT) emits 'error' and then 'exit'; both end the wait below.
  let spawnError = '';
  child.on('error', (e) => {
    spawnError = e.message;
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  return { child, exited, stderr: () => (spawnError || err).trim() };
}

/** Polls `GET <url><ready>` until a 2xx, the process exits, or the timeout; throws a message saying which. */
async function waitReady(spec: OwnDispatcher, running: Running, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  let gone = false;
  void running.exited.then(() => {
    gone = true;
  });
  let last = 'no answer yet';
  while (performance.now() < until) {
    if (gone) throw new Error(`\`${spec.command.join(' ')}\` exited before it was ready: ${running.stderr() || 'no output'}`);
    try {
      const res = await request(`${spec.url.replace(/\/+$/, '')}${spec.ready}`, {
        headersTimeout: 1000,
        bodyTimeout: 1000,
        signal: AbortSignal.timeout(2000),
      });
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) return;
      last = `answered ${res.statusCode}`;
    } catch (error) {
      last = (error as { code?: string }).code ?? (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${spec.url}${spec.ready} did not answer 2xx within ${timeoutMs / 1000}s (${last}): ${running.stderr() || 'no output'}`);
}

async function stop(running: Running, signal: NodeJS.Signals): Promise<void> {
  const { child } = running;
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), OWN_STOP_TIMEOUT_MS);
  await running.exited;
  clearTimeout(timer);
}

/**
 * Starts `spec.command` and waits until `spec.ready` answers 2xx (at most `readyTimeout` ms); a
 * command that exits first or never answers is FG_TARGET_UNREACHABLE (exit 3) with its stderr.
 */
export async function startOwnDispatcher(spec: OwnDispatcher, readyTimeout = OWN_READY_TIMEOUT_MS): Promise<OwnDispatcherHandle> {
  let current = spawnOnce(spec);
  try {
    await waitReady(spec, current, readyTimeout);
  } catch (error) {
    await stop(current, 'SIGKILL');
    throw new RunInvalidError('FG_TARGET_UNREACHABLE', `system.dispatcher.command: ${(error as Error).message}`);
  }
  return {
    get pid() {
      return current.child.pid as number;
    },
    async restart({ signal, downMs }) {
      const killedAt = Date.now();
      await stop(current, signal);
      await new Promise((r) => setTimeout(r, downMs));
      current = spawnOnce(spec);
      await waitReady(spec, current, readyTimeout);
      return { killedAt, readyAt: Date.now() };
    },
    close: () => stop(current, 'SIGTERM'),
  };
}
