/**
 * docker-compose.yml without a Docker engine: each service becomes a process on its own loopback
 * address, with the command, environment, health check and `/config` files the compose file gives
 * it. What a container would see is mapped, nothing else is changed:
 * - a service name in a URL (`http://mocks:9090`) becomes that service's address and host port;
 * - a listen address of 0.0.0.0 (every interface of the container) becomes the service's own
 *   address, so another service reaches it only if it listens beyond its loopback, as in Docker;
 * - `--port N` (the container port) becomes the host port picked for it;
 * - container paths (`/config` read-only volumes, HOME `/home/node`, WORKDIR `/app`) become
 *   directories of the service's own, the volumes' files copied with the same mapping applied;
 * - `npx floodgate` and a health check's `node` become this Node running bin/floodgate.js.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '..', '..');

/** The parts of a compose service this mapping reads. */
export interface ComposeService {
  command?: string[];
  environment?: Record<string, string | number | null>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[]; timeout?: string };
  depends_on?: Record<string, { condition?: string }>;
  profiles?: string[];
}

/** A compose file, merge keys resolved. */
export interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** Reads a compose file as Compose does: YAML merge keys (`<<: *anchor`) resolved. */
export function loadCompose(file: string): ComposeFile {
  return parse(readFileSync(file, 'utf8'), { merge: true }) as ComposeFile;
}

const COMPOSE_VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Compose's interpolation of every string: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$VAR`, `$$`. */
export function interpolate<T>(value: T, env: Readonly<Record<string, string>>): T {
  if (typeof value === 'string') {
    return value.replace(COMPOSE_VARIABLE, (whole, braced?: string, op?: string, fallback?: string, bare?: string) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare) as string;
      const set = env[name];
      if (op === ':-') return set ? set : (fallback ?? '');
      if (op === '-') return set ?? fallback ?? '';
      return set ?? '';
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)])) as T;
  }
  return value;
}

/** The image facts the mapping needs, read from the Dockerfile (WORKDIR, ENV) and its `USER node`. */
export function imageFacts(): { workdir: string; home: string; env: Record<string, string> } {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const workdir = /^WORKDIR\s+(\S+)/m.exec(text)?.[1] ?? '/';
  const env = Object.fromEntries([...text.matchAll(/^ENV\s+([A-Za-z_]+)=(\S+)/gm)].map((m) => [m[1] as string, m[2] as string]));
  const user = /^USER\s+(\S+)/m.exec(text)?.[1];
  return { workdir, home: user && user !== 'root' ? `/home/${user}` : '/root', env };
}

/** Where each service runs: its address and, for one that listens, container port -> host port. */
export interface Topology {
  dir: string;
  addresses: Record<string, string>;
  ports: Record<string, { container: number; host: number }>;
}

/** The container port a service listens on: its published port's target, else its `--port`. */
export function containerPort(service: ComposeService): number | undefined {
  const published = service.ports?.[0];
  if (published) return Number(published.split(':').at(-1)?.split('/')[0]);
  const i = service.command?.indexOf('--port') ?? -1;
  return i >= 0 ? Number(service.command?.[i + 1]) : undefined;
}

async function bindable(host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, host, () => {
      const got = (server.address() as { port: number }).port;
      server.close(() => resolve(got));
    });
  });
}

/** A port free on both the service's address and 127.0.0.1 (where a mutated copy may bind). */
async function freePort(host: string): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await bindable('127.0.0.1', 0);
    if (port !== null && (await bindable(host, port)) !== null) return port;
  }
  throw new Error(`no free port on ${host} and 127.0.0.1`);
}

/** Picks a host port for every service that listens. */
export async function planTopology(compose: ComposeFile, addresses: Record<string, string>, dir: string): Promise<Topology> {
  const ports: Topology['ports'] = {};
  for (const [name, service] of Object.entries(compose.services)) {
    const container = containerPort(service);
    const address = addresses[name];
    if (container !== undefined && address) ports[name] = { container, host: await freePort(address) };
  }
  return { dir, addresses, ports };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One service's view of the world, as a text transformation. */
function mapperFor(topology: Topology, name: string, paths: Record<string, string>): (text: string) => string {
  const own = topology.addresses[name] as string;
  return (text) => {
    let out = text;
    for (const [other, port] of Object.entries(topology.ports)) {
      const address = topology.addresses[other] as string;
      out = out.replace(new RegExp(`(https?://)${escapeRegExp(other)}:${port.container}\\b`, 'g'), `$1${address}:${port.host}`);
    }
    out = out.replaceAll('0.0.0.0', own);
    // Longest first, so `/app/reports` (a volume) wins over `/app` (the WORKDIR).
    for (const [from, to] of Object.entries(paths).sort(([a], [b]) => b.length - a.length)) {
      out = out.replace(new RegExp(`(^|[\\s:=,'"\\[])${escapeRegExp(from)}(?=/|$|[\\s'",\\]])`, 'gm'), `$1${to}`);
    }
    return out;
  };
}

function copyMapped(from: string, to: string, map: (text: string) => string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    if (statSync(source).isDirectory()) copyMapped(source, join(to, entry), map);
    else if (/\.(ya?ml|json)$/.test(entry)) writeFileSync(join(to, entry), map(readFileSync(source, 'utf8')));
    else cpSync(source, join(to, entry));
  }
}

/** A service as a process: what to run, where, with what; and its health check, mapped the same way. */
export interface ProcessSpec {
  name: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  health: string[] | null;
}

function toNode(args: string[]): string[] {
  if (args[0] === 'npx' && args[1] === 'floodgate') return [process.execPath, join(ROOT, 'bin', 'floodgate.js'), ...args.slice(2)];
  if (args[0] === 'node') return [process.execPath, ...args.slice(1)];
  throw new Error(`cannot run "${args.join(' ')}" without the image`);
}

/** Maps one service of an (interpolated) compose file onto this machine; writes its volumes' copies. */
export function mapService(compose: ComposeFile, name: string, topology: Topology): ProcessSpec {
  const service = compose.services[name];
  if (!service?.command) throw new Error(`service ${name} has no command`);
  const image = imageFacts();
  const base = join(topology.dir, name);
  const paths: Record<string, string> = { [image.home]: join(base, 'home'), [image.workdir]: join(base, 'app') };
  const copies: [string, string][] = [];
  for (const volume of service.volumes ?? []) {
    const [source, target, mode] = volume.split(':') as [string, string, string?];
    paths[target] = join(base, 'volumes', target.replace(/\//g, '_'));
    if (mode === 'ro') copies.push([join(ROOT, source), paths[target] as string]);
  }
  const map = mapperFor(topology, name, paths);
  for (const dir of Object.values(paths)) mkdirSync(dir, { recursive: true });
  for (const [from, to] of copies) copyMapped(from, to, map);
  const args = service.command.map(map);
  const port = topology.ports[name];
  const p = args.indexOf('--port');
  if (port && p >= 0 && Number(args[p + 1]) === port.container) args[p + 1] = String(port.host);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: paths[image.home] as string, ...image.env };
  for (const [k, v] of Object.entries(service.environment ?? {})) env[k] = map(String(v ?? ''));
  const test = service.healthcheck?.test;
  const health = test?.[0] === 'CMD' ? toNode(test.slice(1).map(map)) : null;
  return { name, argv: toNode(args), env, cwd: paths[image.workdir] as string, health };
}

/** A started service process and what it has printed so far. */
export interface Running {
  spec: ProcessSpec;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const started = new Set<Running>();

/** Spawns a service's process. */
export function startProcess(spec: ProcessSpec): Running {
  const [command, ...args] = spec.argv as [string, ...string[]];
  const child = spawn(command, args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-64_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running = { spec, child, output: () => output, exited };
  started.add(running);
  return running;
}

/** Runs a one-shot service to its end (killed after `timeoutMs`); its exit code and output. */
export async function runToEnd(spec: ProcessSpec, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const running = startProcess(spec);
  const timer = setTimeout(() => stopProcess(running), timeoutMs);
  const code = await running.exited;
  clearTimeout(timer);
  started.delete(running);
  return { code, output: running.output() };
}

/** Runs a health check command once: true when it exits 0 within `timeoutMs`. */
export async function healthy(health: string[], timeoutMs = 3000): Promise<boolean> {
  const [command, ...args] = health as [string, ...string[]];
  const child = spawn(command, args, { stdio: 'ignore', timeout: timeoutMs, killSignal: 'SIGKILL' });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code === 0)));
}

/** Polls the service's health check until it passes, the process exits, or `deadlineMs` passes. */
export async function waitHealthy(running: Running, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  let exited = false;
  void running.exited.then(() => {
    exited = true;
  });
  while (Date.now() < until && !exited) {
    if (running.spec.health && (await healthy(running.spec.health))) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** Waits until the service has printed a line matching `pattern` (bounded). */
export async function waitForOutput(running: Running, pattern: RegExp, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until && running.child.exitCode === null) {
    if (pattern.test(running.output())) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return pattern.test(running.output());
}

/** SIGTERM by pid, SIGKILL after 5 s. */
export async function stopProcess(running: Running): Promise<void> {
  started.delete(running);
  const { child } = running;
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, 5000);
  await running.exited;
  clearTimeout(timer);
}

/** Stops every process this module started and has not stopped yet. */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((r) => stopProcess(r)));
}
