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
 * - `npx floodgate` and a health check's `node` become this Node running bin/floodgate.js;
 * - `deploy.replicas: N` (or `scale: N`) becomes N processes, each on an address of its own
 *   (`<service>.<i>` in the address map), and the service's name in a URL becomes a round-robin
 *   TCP front over them (Docker's DNS answers the name with every replica: clients spread);
 * - a `postgres` image becomes a fresh role (LOGIN, the service's POSTGRES_PASSWORD) and database
 *   owned by it in the PostgreSQL that runs here, reached over TCP so the password is checked;
 *   `postgres://USER@<service>:5432/DB` becomes that role, database and address, and the
 *   service's `pg_isready` health check is run against it. Both are dropped afterwards;
 * - a health check runs with HOSTNAME set to the service's (replica's) own address, as Docker sets
 *   it to the container's hostname, and its own container port left after the URL mapping (as in
 *   `'http://' + process.env.HOSTNAME + ':8080'`) becomes its host port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { parse } from 'yaml';
import { withDefaultUser } from '../../dispatcher/store/pg-store.ts';
import { postgresUnavailable, TEST_PG } from '../dispatcher/store-drivers.ts';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '..', '..');

/** The parts of a compose service this mapping reads. */
export interface ComposeService {
  image?: string;
  command?: string[];
  deploy?: { replicas?: number };
  scale?: number;
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

/** A `postgres` service as it runs here: the role, database and TCP address standing for it. */
export interface Database {
  user: string;
  database: string;
  role: string;
  name: string;
  host: string;
  port: number;
}

/**
 * Where each service runs: its address and, for one that listens, container port -> host port;
 * a replicated service's processes (its own address and port each) behind the service's address;
 * a `postgres` service's database once started.
 */
export interface Topology {
  dir: string;
  addresses: Record<string, string>;
  ports: Record<string, { container: number; host: number }>;
  replicas: Record<string, { address: string; host: number }[]>;
  databases: Record<string, Database>;
}

/** How many processes a service runs: `deploy.replicas`, else `scale`, else 1. */
export function replicaCount(service: ComposeService): number {
  return service.deploy?.replicas ?? service.scale ?? 1;
}

/** The port PostgreSQL's image listens on in its container. */
const POSTGRES_PORT = 5432;
const isPostgres = (service: ComposeService | undefined) => /^postgres(:|$)/.test(service?.image ?? '');

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
export async function freePort(host: string): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await bindable('127.0.0.1', 0);
    if (port !== null && (await bindable(host, port)) !== null) return port;
  }
  throw new Error(`no free port on ${host} and 127.0.0.1`);
}

/**
 * Picks a host port for every service that listens (for a replicated one: its front's, and one
 * per replica on `addresses["<service>.<i>"]`, i from 1).
 */
export async function planTopology(compose: ComposeFile, addresses: Record<string, string>, dir: string): Promise<Topology> {
  const ports: Topology['ports'] = {};
  const replicas: Topology['replicas'] = {};
  for (const [name, service] of Object.entries(compose.services)) {
    const container = containerPort(service);
    const address = addresses[name];
    if (container === undefined || !address) continue;
    ports[name] = { container, host: await freePort(address) };
    const count = replicaCount(service);
    if (count < 2) continue;
    replicas[name] = [];
    for (let i = 1; i <= count; i++) {
      const own = addresses[`${name}.${i}`];
      if (!own) throw new Error(`${name} has ${count} replicas: give an address for ${name}.${i}`);
      replicas[name].push({ address: own, host: await freePort(own) });
    }
  }
  return { dir, addresses, ports, replicas, databases: {} };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `postgres://USER[:PASS]@<service>:5432/DB` -> the role, address and database standing for it. */
function mapDatabaseUrls(text: string, topology: Topology): string {
  let out = text;
  for (const [service, db] of Object.entries(topology.databases)) {
    const url = new RegExp(`(postgres(?:ql)?://)([^@/\\s:]+)((?::[^@/\\s]*)?)@${escapeRegExp(service)}:${POSTGRES_PORT}/(\\w+)`, 'g');
    out = out.replace(url, (_all, scheme: string, user: string, password: string, name: string) => {
      // Another user or database than the service created would not exist there either.
      const role = user === db.user ? db.role : user;
      return `${scheme}${role}${password}@${db.host}:${db.port}/${name === db.database ? db.name : name}`;
    });
  }
  return out;
}

/** One service's view of the world, as a text transformation. */
function mapperFor(topology: Topology, own: string, paths: Record<string, string>): (text: string) => string {
  return (text) => {
    let out = mapDatabaseUrls(text, topology);
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
  /** The environment the health check runs with (HOSTNAME: the service's own address). */
  healthEnv: Record<string, string>;
}

function toNode(args: string[]): string[] {
  if (args[0] === 'npx' && args[1] === 'floodgate') return [process.execPath, join(ROOT, 'bin', 'floodgate.js'), ...args.slice(2)];
  if (args[0] === 'node') return [process.execPath, ...args.slice(1)];
  throw new Error(`cannot run "${args.join(' ')}" without the image`);
}

/**
 * Maps one service of an (interpolated) compose file onto this machine; writes its volumes'
 * copies. A replicated service is mapped one replica at a time (`replica` from 1), each with a
 * directory, address and port of its own, as each container has.
 */
export function mapService(compose: ComposeFile, name: string, topology: Topology, replica?: number): ProcessSpec {
  const service = compose.services[name];
  if (!service?.command) throw new Error(`service ${name} has no command`);
  const replicated = topology.replicas[name];
  if (replicated && replica === undefined) throw new Error(`${name} has ${replicated.length} replicas: map each one`);
  const place = replicated ? replicated[(replica as number) - 1] : undefined;
  if (replicated && !place) throw new Error(`${name} has no replica ${replica}`);
  const own = place?.address ?? (topology.addresses[name] as string);
  const image = imageFacts();
  const base = join(topology.dir, place ? `${name}.${replica}` : name);
  const paths: Record<string, string> = { [image.home]: join(base, 'home'), [image.workdir]: join(base, 'app') };
  const copies: [string, string][] = [];
  for (const volume of service.volumes ?? []) {
    const [source, target, mode] = volume.split(':') as [string, string, string?];
    paths[target] = join(base, 'volumes', target.replace(/\//g, '_'));
    if (mode === 'ro') copies.push([join(ROOT, source), paths[target] as string]);
  }
  const map = mapperFor(topology, own, paths);
  for (const dir of Object.values(paths)) mkdirSync(dir, { recursive: true });
  for (const [from, to] of copies) copyMapped(from, to, map);
  const args = service.command.map(map);
  const port = topology.ports[name];
  const p = args.indexOf('--port');
  if (port && p >= 0 && Number(args[p + 1]) === port.container) args[p + 1] = String(place?.host ?? port.host);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: paths[image.home] as string, ...image.env };
  for (const [k, v] of Object.entries(service.environment ?? {})) env[k] = map(String(v ?? ''));
  const test = service.healthcheck?.test;
  const ownPort = (text: string) => (port ? text.replace(new RegExp(`:${port.container}\\b`, 'g'), `:${place?.host ?? port.host}`) : text);
  const health = test?.[0] === 'CMD' ? toNode(test.slice(1).map((t) => ownPort(map(t)))) : null;
  const healthEnv = { ...(process.env as Record<string, string>), HOSTNAME: own };
  return { name: place ? `${name}.${replica}` : name, argv: toNode(args), env, cwd: paths[image.workdir] as string, health, healthEnv };
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
export async function healthy(health: string[], timeoutMs = 3000, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const [command, ...args] = health as [string, ...string[]];
  const child = spawn(command, args, { stdio: 'ignore', timeout: timeoutMs, killSignal: 'SIGKILL', env });
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
    if (running.spec.health && (await healthy(running.spec.health, 3000, running.spec.healthEnv))) return true;
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

/** A replicated service's name, as a round-robin TCP front over its replicas. */
export interface Front {
  /** Connections handed to each replica so far, in replica order. */
  connections: number[];
  close: () => Promise<void>;
}

const fronts = new Set<Front>();

/**
 * Listens on the service's own address and port and hands each connection to the next replica
 * in turn, as Docker's DNS round robin spreads clients that resolve the name. A replica that is
 * down closes the connection, as a container that is down would refuse it.
 */
export async function startFront(topology: Topology, name: string): Promise<Front> {
  const replicas = topology.replicas[name];
  const port = topology.ports[name];
  if (!replicas || !port) throw new Error(`${name} is not a replicated service that listens`);
  const connections = replicas.map(() => 0);
  const sockets = new Set<Socket>();
  let next = 0;
  const server = createServer((client) => {
    const i = next++ % replicas.length;
    connections[i] = (connections[i] ?? 0) + 1;
    const target = replicas[i] as { address: string; host: number };
    const upstream = connect({ host: target.address, port: target.host });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port.host, topology.addresses[name], () => resolve());
  });
  const front: Front = {
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        fronts.delete(front);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  fronts.add(front);
  return front;
}

/** Why the `postgres` service cannot be stood for here (undefined: it can): no server, or no TCP. */
export async function postgresServiceUnavailable(): Promise<string | undefined> {
  const reason = await postgresUnavailable();
  if (reason) return reason;
  const port = Number((await adminQuery('SHOW port')).rows[0]?.port);
  const open = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  return open ? undefined : `PostgreSQL at ${TEST_PG} does not listen on 127.0.0.1:${port} (a role with a password needs TCP)`;
}

async function adminQuery(sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: withDefaultUser(TEST_PG) });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A started `postgres` service: its health check (pg_isready, mapped) and how to drop it. */
export interface PostgresService {
  database: Database;
  health: string[];
  drop: () => Promise<void>;
}

const databases = new Set<PostgresService>();

/**
 * Stands a `postgres` service up as a fresh role (LOGIN, the service's POSTGRES_PASSWORD) and a
 * database it owns, in the PostgreSQL that runs here; records it in the topology so the other
 * services' `postgres://` URLs map to it. Names are random: runs on one server never meet.
 */
export async function startPostgresService(compose: ComposeFile, name: string, topology: Topology): Promise<PostgresService> {
  const service = compose.services[name];
  if (!isPostgres(service)) throw new Error(`service ${name} is not a postgres image`);
  const env = Object.fromEntries(Object.entries(service?.environment ?? {}).map(([k, v]) => [k, String(v ?? '')]));
  const password = env.POSTGRES_PASSWORD;
  // The image refuses to initialise without one (or an explicit trust setting): so does this.
  if (!password) throw new Error(`${name}: POSTGRES_PASSWORD is empty; the postgres image would not start`);
  const user = env.POSTGRES_USER || 'postgres';
  const database = env.POSTGRES_DB || user;
  const id = `fg_compose_${randomBytes(5).toString('hex')}`;
  const port = Number((await adminQuery('SHOW port')).rows[0]?.port);
  const literal = `'${password.replace(/'/g, "''")}'`;
  await adminQuery(`CREATE ROLE ${id} LOGIN PASSWORD ${literal}`);
  await adminQuery(`CREATE DATABASE ${id} OWNER ${id}`);
  const db: Database = { user, database, role: id, name: id, host: '127.0.0.1', port };
  topology.databases[name] = db;
  const test = service?.healthcheck?.test ?? [];
  const args = test[0] === 'CMD' && test[1] === 'pg_isready' ? test.slice(2) : [];
  const flag = (f: string, value: string) => (args.includes(f) ? [] : [f, value]);
  // -h: the container's own address, where its server listens; here the server standing for it.
  const own: Record<string, string> = { '-U': user, '-d': database };
  const to: Record<string, string> = { '-U': id, '-d': id, '-h': db.host };
  const mapped = args.map((a, i) => {
    const f = args[i - 1] ?? '';
    return f === '-h' || (f in own && own[f] === a) ? (to[f] as string) : a;
  });
  const health = ['pg_isready', ...mapped, ...flag('-h', db.host), ...flag('-p', String(port))];
  const started: PostgresService = {
    database: db,
    health,
    drop: async () => {
      databases.delete(started);
      await adminQuery(`DROP DATABASE IF EXISTS ${id} WITH (FORCE)`);
      await adminQuery(`DROP ROLE IF EXISTS ${id}`);
    },
  };
  databases.add(started);
  return started;
}

/** Stops every process and front this module started and has not stopped yet, then drops its databases. */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((r) => stopProcess(r)));
  await Promise.all([...fronts].map((f) => f.close()));
  for (const db of [...databases]) await db.drop();
}
