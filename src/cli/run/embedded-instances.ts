import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MAIN = fileURLToPath(new URL('../../../dispatcher/main.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5000;

/** N reference dispatcher processes on one store, behind one front. */
export interface DispatcherInstances {
  /** The front's origin: the API round-robin over the instances, `/metrics` of all of them. */
  url: string;
  /** Each instance's origin and pid, in start order (instance 1 first); null while it is restarting. */
  readonly instances: ({ url: string; pid: number } | null)[];
  /**
   * Kills instance `instance` (1-based; only a process this handle started, by its pid) with
   * `signal`, waits `downMs`, starts a new process with the same config and puts it back behind
   * the front. While no instance is up the front answers 503. Resolves to when the signal was sent
   * and when the new process listened (epoch ms).
   */
  restart(instance: number, signal: 'SIGKILL' | 'SIGTERM', downMs: number): Promise<{ killedAt: number; readyAt: number }>;
  close(): Promise<void>;
}

/** A started dispatcher process. */
interface Instance {
  child: ChildProcess;
  url: string;
  pid: number;
}

/** Starts `dispatcher/main.ts` with `configFile` and resolves to its `{url, pid}` line. */
function startInstance(configFile: string): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (c) => {
    err = (err + c).slice(-2000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`a dispatcher instance did not listen within ${READY_TIMEOUT_MS / 1000}s: ${err.trim()}`));
    }, READY_TIMEOUT_MS);
    let out = '';
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`a dispatcher instance exited (code ${code}) before listening: ${err.trim()}`));
    });
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const line = JSON.parse(out.slice(0, nl)) as { url: string; pid: number };
      resolve({ child, url: line.url.replace(/\/+$/, ''), pid: line.pid });
    });
  });
}

/** SIGTERM (the instance writes its outcomes and releases its rows), SIGKILL after 5 s: this child only. */
async function stopInstance(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Every instance's exposition, each sample labelled `instance="<n>"` (1-based, start order) as a
 * Prometheus scrape of each would label it, grouped by family with one HELP/TYPE each, so the
 * runner keeps one series per instance.
 */
export function federate(texts: readonly string[]): string {
  const families = new Map<string, { meta: string[]; samples: string[] }>();
  texts.forEach((text, i) => {
    let family = '';
    for (const line of text.split('\n')) {
      const meta = /^# (?:HELP|TYPE) (\S+)/.exec(line);
      if (meta) {
        family = meta[1] as string;
        const f = families.get(family) ?? { meta: [], samples: [] };
        families.set(family, f);
        if (i === 0) f.meta.push(line);
        continue;
      }
      const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?(\s.*)$/.exec(line);
      if (!sample) continue;
      const own = sample[2] && sample[2] !== '{}' ? `,${sample[2].slice(1)}` : '}';
      const f = families.get(family) ?? { meta: [], samples: [] };
      families.set(family, f);
      f.samples.push(`${sample[1]}{instance="${i + 1}"${own}${sample[3]}`);
    }
  });
  return `${[...families.values()].flatMap((f) => [...f.meta, ...f.samples]).join('\n')}\n`;
}

/** The front's answer while no instance is up: a request that reached no dispatcher. */
function unavailable(res: ServerResponse, message: string): void {
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
  res.end(JSON.stringify({ error: 'unavailable', message }));
}

/** Forwards one request to `origin` as it came, and its answer back. */
function forward(origin: string, req: IncomingMessage, res: ServerResponse): void {
  const upstream = request(`${origin}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', (error) => {
    // Refused: the request never reached a dispatcher (503, safe to send again); otherwise it may have (502).
    if ((error as { code?: string }).code === 'ECONNREFUSED' && !res.headersSent) return unavailable(res, error.message);
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'bad_gateway', message: error.message }));
  });
  req.pipe(upstream);
}

/**
 * Starts the reference dispatcher as `count` processes with one config (its `db` a PostgreSQL
 * URL, so they share one outbox and one limiter per account) and a front on 127.0.0.1 that
 * spreads API requests round-robin over them, as a load balancer would, and answers `/metrics`
 * with every instance's metrics labelled by instance. Processes are stopped by their pids.
 */
export async function startDispatcherInstances(config: Record<string, unknown>, count: number): Promise<DispatcherInstances> {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-instances-'));
  const file = join(dir, 'dispatcher.json');
  writeFileSync(file, JSON.stringify(config));
  const started = await Promise.allSettled(Array.from({ length: count }, () => startInstance(file)));
  // One slot per instance, null while it restarts; every process ever started, to stop them all at the end.
  const running: (Instance | null)[] = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const owned = new Set(running as Instance[]);
  const stopAll = async () => {
    await Promise.all([...owned].map((r) => stopInstance(r.child)));
    rmSync(dir, { recursive: true, force: true });
  };
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  let next = 0;
  const front = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      // A restarting instance contributes no samples (a gap in its series), not a failed scrape.
      Promise.all(running.map(async (r) => (r ? (await fetch(`${r.url}/metrics`)).text() : '')))
        .then((texts) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(federate(texts)))
        .catch((error: Error) => res.writeHead(502).end(error.message));
      return;
    }
    const up = running.filter((r): r is Instance => r !== null);
    const target = up[next++ % Math.max(1, up.length)];
    if (!target) return unavailable(res, 'no dispatcher instance is up (it is restarting)');
    forward(target.url, req, res);
  });
  const restart = async (instance: number, signal: 'SIGKILL' | 'SIGTERM', downMs: number) => {
    const current = running[instance - 1];
    if (!current) throw new Error(`dispatcher instance ${instance} is not running (${running.length} instance(s))`);
    running[instance - 1] = null;
    const exited = new Promise<void>((resolve) => current.child.once('exit', () => resolve()));
    const killedAt = Date.now();
    if (signal === 'SIGKILL') current.child.kill('SIGKILL');
    else void stopInstance(current.child);
    await exited;
    owned.delete(current);
    await new Promise((r) => setTimeout(r, downMs));
    const fresh = await startInstance(file);
    owned.add(fresh);
    running[instance - 1] = fresh;
    return { killedAt, readyAt: Date.now() };
  };
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const { port } = front.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get instances() {
      return running.map((r) => (r ? { url: r.url, pid: r.pid } : null));
    },
    restart,
    async close() {
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await stopAll();
    },
  };
}
