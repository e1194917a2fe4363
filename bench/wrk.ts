import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian's `wrk` package puts it; `WRK_BIN` overrides. */
const WRK = process.env.WRK_BIN ?? '/usr/bin/wrk';
const TIME = '/usr/bin/time';

/** One closed-loop wrk run against a URL. */
export interface WrkRun {
  requestsPerSecond: number;
  requests: number;
  /** CPU milliseconds wrk used per 1,000 requests (GNU time), or null without /usr/bin/time. */
  cpuMsPer1000: number | null;
  errors: number;
}

/** Reads `wrk`'s summary: `Requests/sec:` and `N requests in`, and socket errors / non-2xx. */
export function parseWrk(stdout: string): { requestsPerSecond: number; requests: number; errors: number } {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const total = /(\d+) requests in/.exec(stdout);
  if (!rps || !total) throw new Error(`wrk printed no summary: ${stdout.slice(0, 300)}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  const errors = (socket ? socket.slice(1).reduce((a, n) => a + Number(n), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  return { requestsPerSecond: Number(rps[1]), requests: Number(total[1]), errors };
}

/** The wrk binary, or why there is none (then the bench records null rather than a made-up figure). */
export function findWrk(): { bin: string } | { skipped: string } {
  return existsSync(WRK) ? { bin: WRK } : { skipped: `${WRK} not found (Debian: apt-get install -y wrk)` };
}

/**
 * Runs wrk closed-loop (each connection sends its next request when the last is answered) for
 * `seconds` with one thread, as the physical anchor: how many requests/s the sink answers when
 * the generator costs as little as a C event loop can make it.
 */
export async function runWrk(
  bin: string,
  url: string,
  seconds: number,
  connections = 64,
  options: { script?: string; env?: Record<string, string> } = {},
): Promise<WrkRun> {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, ...(options.script ? ['-s', options.script] : []), url];
  const timed = existsSync(TIME);
  const exec = { timeout: (seconds + 30) * 1000, env: { ...process.env, ...options.env } };
  const { stdout, stderr } = timed ? await run(TIME, ['-f', 'cpu %U %S', bin, ...args], exec) : await run(bin, args, exec);
  const summary = parseWrk(stdout);
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(stderr);
  const cpuMs = cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : null;
  return {
    ...summary,
    cpuMsPer1000: cpuMs !== null && summary.requests > 0 ? Math.round((cpuMs / summary.requests) * 1000 * 10) / 10 : null,
  };
}
