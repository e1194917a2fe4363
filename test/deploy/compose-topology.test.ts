import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ComposeFile,
  type Front,
  freePort,
  healthy,
  interpolate,
  loadCompose,
  mapService,
  type PostgresService,
  planTopology,
  postgresServiceUnavailable,
  ROOT,
  type Running,
  replicaCount,
  runToEnd,
  startFront,
  startPostgresService,
  startProcess,
  stopAll,
  stopProcess,
  type Topology,
  waitForOutput,
  waitHealthy,
} from './compose-processes.ts';

/**
 * docker-compose.yml as it would run, without a Docker engine: every service is a process on its
 * own loopback address (see compose-processes.ts for what is mapped), the dispatcher's two
 * replicas behind a round-robin front on the service's address, the postgres service a fresh
 * role and database in the PostgreSQL that runs here; started in depends_on order once their
 * dependencies pass their own health checks. Then the runner service's command must PASS, with
 * both replicas sending and the mock never over the account's limit in any sliding second.
 * Broken copies of the file must not: mocks that listen on their loopback only, a runner whose
 * token is not the mocks', a dispatcher whose PostgreSQL password is not the service's, a replica
 * bound to its own loopback.
 */

const ADDRESSES = {
  mocks: '127.0.0.3',
  dispatcher: '127.0.0.2',
  'dispatcher.1': '127.0.0.5',
  'dispatcher.2': '127.0.0.6',
  runner: '127.0.0.4',
};
/** `docker compose` run with no token variables set: every service gets the documented defaults. */
const ENV: Record<string, string> = {};
const RAW = loadCompose(join(ROOT, 'docker-compose.yml'));
const COMPOSE = interpolate(RAW, ENV);
const HEALTH_DEADLINE = 40_000;
const RUN_DEADLINE = 60_000;

/** Without PostgreSQL the file cannot run: CI (FLOODGATE_REQUIRE_POSTGRES=1) fails, elsewhere it skips, saying why. */
const PG_REASON = await postgresServiceUnavailable();
if (PG_REASON && process.env.FLOODGATE_REQUIRE_POSTGRES === '1') throw new Error(`${PG_REASON}, and FLOODGATE_REQUIRE_POSTGRES=1`);

let dir = '';
let topology: Topology;
const running: Record<string, Running> = {};
let front: Front | undefined;
let postgres: PostgresService | undefined;
const healthyAtStart: Record<string, boolean> = {};
const figures: string[] = [];

/** Services `docker compose up` starts (no profile), dependencies first. */
function upOrder(compose: ComposeFile): string[] {
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    for (const dep of Object.keys(compose.services[name]?.depends_on ?? {})) visit(dep);
    order.push(name);
  };
  for (const [name, s] of Object.entries(compose.services)) if (!s.profiles?.length) visit(name);
  return order;
}

const origin = (name: 'mocks' | 'dispatcher') => `http://${ADDRESSES[name]}:${topology.ports[name]?.host}`;

/** Can a process on `from` open a TCP connection to the service? (What a container next to it sees.) */
function reaches(from: string, name: 'mocks' | 'dispatcher'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: ADDRESSES[name], port: topology.ports[name]?.host as number, localAddress: from });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The runner service of `compose` run to its end against the services that are up. */
async function runRunner(compose: ComposeFile, label: string) {
  const result = await runToEnd(mapService(compose, 'runner', topology), RUN_DEADLINE);
  figures.push(
    `${label}: exit ${result.code}, ${result.output.split('\n').find((l) => /^(PASS|FAIL|INVALID|DEGRADED|error)\b/.test(l)) ?? ''}`,
  );
  return result;
}

/** True when every reason a run was INVALID is the runner's own lag (a busy machine), nothing of the system. */
function machineNoiseOnly(output: string): boolean {
  // Several reasons are listed under "Reasons:"; a single one is in the headline only.
  const listed = /Reasons:\n((?: {2}- .*\n)+)/.exec(output)?.[1]?.trim().split('\n');
  const single = /^INVALID: the run cannot be trusted: (.*) \([^()]*\)$/m.exec(output)?.[1];
  const reasons = listed ?? (single ? [single] : []);
  return reasons.length > 0 && reasons.every((r) => /generator fell behind|event loop was delayed/.test(r));
}

/** A copy of the raw file with `mutate` applied, interpolated as Compose would. */
function mutated(mutate: (c: ComposeFile) => void): ComposeFile {
  const copy = structuredClone(RAW);
  mutate(copy);
  return interpolate(copy, ENV);
}

/** Polls a health check command until it passes or `deadlineMs` passes. */
async function pollHealthy(health: string[], deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (await healthy(health)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** Starts one service as compose would; true once it (every replica of it) passes its health check. */
async function up(name: string): Promise<boolean> {
  if (name === 'postgres') {
    postgres = await startPostgresService(COMPOSE, name, topology);
    figures.push(`postgres: database ${postgres.database.name} on ${postgres.database.host}:${postgres.database.port}`);
    return pollHealthy(postgres.health, HEALTH_DEADLINE);
  }
  const count = topology.replicas[name]?.length;
  if (count) front = await startFront(topology, name);
  for (const replica of count ? Array.from({ length: count }, (_, i) => i + 1) : [undefined]) {
    const spec = mapService(COMPOSE, name, topology, replica);
    figures.push(`${spec.name}: ${spec.argv.slice(2).join(' ')}`);
    running[spec.name] = startProcess(spec);
    if (!(await waitHealthy(running[spec.name] as Running, HEALTH_DEADLINE))) return false;
  }
  return true;
}

beforeAll(
  async () => {
    if (PG_REASON) return;
    dir = mkdtempSync(join(tmpdir(), 'fg-compose-topology-'));
    topology = await planTopology(COMPOSE, ADDRESSES, dir);
    for (const name of upOrder(COMPOSE)) {
      healthyAtStart[name] = await up(name);
      if (!healthyAtStart[name]) break; // as compose: a dependent of an unhealthy service is not started
    }
  },
  4 * HEALTH_DEADLINE + 5_000,
);

afterAll(async () => {
  await stopAll(); // processes by pid, the front, then the database and its role
  if (postgres) figures.push(`postgres: dropped ${postgres.database.name}`);
  if (dir) rmSync(dir, { recursive: true, force: true });
  console.log(figures.join('\n'));
}, 20_000);

/** A replica's own /metrics: recipients it got accepted by the provider (its own counter). */
async function sentBy(replica: number): Promise<number> {
  const place = topology.replicas.dispatcher?.[replica - 1];
  const text = await fetch(`http://${place?.address}:${place?.host}/metrics`).then((r) => r.text());
  const lines = text.split('\n').filter((l) => l.startsWith('floodgate_dispatcher_sent_total{'));
  return lines.reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

if (PG_REASON) {
  it.skip(`docker-compose.yml as processes: skipped, ${PG_REASON} (FLOODGATE_REQUIRE_POSTGRES=1 makes this a failure)`, () => {});
}

describe.skipIf(PG_REASON !== undefined)(
  'docker-compose.yml as processes: dispatcher replicas on 127.0.0.5/.6 behind 127.0.0.2, mocks on 127.0.0.3, postgres a fresh database',
  () => {
    it('starts postgres and mocks, then two dispatcher replicas, each passing its own health check, reachable from the other address', async () => {
      expect(upOrder(COMPOSE)).toEqual(['postgres', 'mocks', 'dispatcher']);
      expect(replicaCount(COMPOSE.services.dispatcher ?? {})).toBe(2);
      const out = Object.entries(running)
        .map(([n, r]) => `${n}:\n${r.output()}`)
        .join('\n');
      expect(healthyAtStart, out).toEqual({ postgres: true, mocks: true, dispatcher: true });
      expect(Object.keys(running).sort()).toEqual(['dispatcher.1', 'dispatcher.2', 'mocks']);
      expect(await reaches(ADDRESSES.dispatcher, 'mocks')).toBe(true);
      expect(await reaches(ADDRESSES.mocks, 'dispatcher')).toBe(true);
    });

    it('the runner service command PASSes against them (exit 0)', { timeout: 2 * RUN_DEADLINE + 5_000 }, async () => {
      expect(COMPOSE.services.runner?.command?.join(' ')).toMatch(/--target http:\/\/dispatcher:8080 --mocks http:\/\/mocks:9090$/);
      let result = await runRunner(COMPOSE, 'runner');
      // A run judged INVALID only because this shared machine delayed the runner (its own health,
      // exit 3) says nothing about the topology: one more try, no more.
      if (result.code === 3 && machineNoiseOnly(result.output)) result = await runRunner(COMPOSE, 'runner, again');
      const { code, output } = result;
      if (code === 3 && machineNoiseOnly(output)) {
        // INVALID twice for this machine's load alone (beside `stress --cpu 2`, five processes on
        // two cores): the verdict says nothing of the system, so its own checks are judged instead,
        // every one but the run's validity and latency (which the load decides).
        figures.push("runner: INVALID twice for the machine's load only; judged on the system's checks");
        const judged = output.split('\n').filter((l) => /^ {2}(ok|FAIL) /.test(l) && !/ (run\.validity|http\.latency)/.test(l));
        expect(output).toMatch(/^ {2}ok {3}provider\.alimtalk\.window: /m);
        expect(judged.length, output).toBeGreaterThanOrEqual(8);
        expect(
          judged.filter((l) => l.startsWith('  FAIL')),
          output,
        ).toEqual([]);
      } else {
        expect(output).toMatch(/^PASS/m);
        expect(code, output).toBe(0);
      }
      // One account, two senders: each replica sent part of it, and together they kept to its limit.
      const sent = [await sentBy(1), await sentBy(2)];
      figures.push(`sent per replica: ${sent.join(', ')}; connections per replica: ${front?.connections.join(', ')}`);
      expect(sent[0]).toBeGreaterThan(0);
      expect(sent[1]).toBeGreaterThan(0);
      const token = COMPOSE.services.mocks?.environment?.FLOODGATE_MOCK_TOKEN as string;
      const stats = (await fetch(`${origin('mocks')}/__mock/alimtalk/stats`, { headers: { authorization: `Bearer ${token}` } }).then((r) =>
        r.json(),
      )) as { limitPerSecond: number; admitted: number; maxPerSecondWindow: number };
      figures.push(
        `alimtalk mock: admitted ${stats.admitted}, busiest sliding second ${stats.maxPerSecondWindow} (limit ${stats.limitPerSecond})`,
      );
      expect(stats.limitPerSecond).toBe(200);
      expect(stats.admitted).toBeGreaterThanOrEqual(500);
      expect(stats.maxPerSecondWindow).toBeGreaterThan(0);
      expect(stats.maxPerSecondWindow).toBeLessThanOrEqual(stats.limitPerSecond);
    });

    it("a dispatcher whose PostgreSQL password is not the service's does not come up", { timeout: 30_000 }, async () => {
      const copy = mutated((c) => {
        (c.services.dispatcher?.environment as Record<string, string>).PGPASSWORD = 'not-the-postgres-password';
      });
      // A third replica on a port of its own (0: any), beside the two that run.
      const spare = { ...topology, dir: join(dir, 'spare'), replicas: { dispatcher: [{ address: ADDRESSES['dispatcher.1'], host: 0 }] } };
      const { code, output } = await runToEnd(mapService(copy, 'dispatcher', spare, 1), 25_000);
      expect(output).toMatch(/password authentication failed/);
      expect(code).not.toBe(0);
    });

    it('a replica bound to its own loopback fails its health check, though the service name still answers', {
      timeout: HEALTH_DEADLINE + 10_000,
    }, async () => {
      const address = '127.0.0.7';
      const spare = { ...topology, dir: join(dir, 'loopback'), replicas: { dispatcher: [{ address, host: await freePort(address) }] } };
      const spec = mapService(COMPOSE, 'dispatcher', spare, 1);
      const config = join(spare.dir, 'dispatcher.1', 'volumes', '_config', 'dispatcher.yaml');
      writeFileSync(config, readFileSync(config, 'utf8').replace(/^host: \S+/m, 'host: 127.0.0.1'));
      const replica = startProcess(spec);
      try {
        expect(await waitForOutput(replica, /listening on http:\/\/127\.0\.0\.1:\d+/, HEALTH_DEADLINE), replica.output()).toBe(true);
        for (let i = 0; i < 3; i++) expect(await healthy(spec.health as string[], 3000, spec.healthEnv)).toBe(false);
        // What a check by the service name would have said: the other replicas answer for it.
        const byName = `fetch('${origin('dispatcher')}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
        expect(await healthy([process.execPath, '-e', byName])).toBe(true);
      } finally {
        await stopProcess(replica);
      }
    });

    it("the mocks' admin API refuses a request without the token; /healthz stays open", async () => {
      const token = COMPOSE.services.mocks?.environment?.FLOODGATE_MOCK_TOKEN as string;
      expect(token).toBe(COMPOSE.services.runner?.environment?.FLOODGATE_MOCK_TOKEN);
      const get = (path: string, authorization?: string) =>
        fetch(`${origin('mocks')}${path}`, authorization ? { headers: { authorization } } : {}).then((r) => r.status);
      expect(await get('/__mock')).toBe(401);
      expect(await get('/__mock/alimtalk/stats')).toBe(401);
      expect(await get('/__mock', 'Bearer not-the-mock-token')).toBe(401);
      expect(await get('/__mock', `Bearer ${token}`)).toBe(200);
      expect(await get('/healthz')).toBe(200);
    });

    it('the mocks command without its token refuses to listen on 0.0.0.0 (exit 4)', { timeout: 30_000 }, async () => {
      const copy = mutated((c) => delete c.services.mocks?.environment?.FLOODGATE_MOCK_TOKEN);
      const spec = mapService(copy, 'mocks', topology);
      // Unmapped on purpose: 127.0.0.3 is loopback, where a token is optional. The config is refused
      // before anything binds.
      spec.argv[spec.argv.indexOf('--host') + 1] = '0.0.0.0';
      const { code, output } = await runToEnd(spec, 25_000);
      expect(output).toMatch(/0\.0\.0\.0 \(beyond loopback\) needs an admin token/);
      expect(code).toBe(4);
    });

    it("(ii) a runner whose mock token is not the mocks' cannot verify anything: exit 3, not PASS", {
      timeout: RUN_DEADLINE + 5_000,
    }, async () => {
      const copy = mutated((c) => {
        (c.services.runner?.environment as Record<string, string>).FLOODGATE_MOCK_TOKEN = 'another-mock-token';
      });
      const { code, output } = await runRunner(copy, '(ii) mock token mismatch');
      expect(output).toMatch(/answered 401: the mock's admin API needs its token/);
      expect(code).toBe(3);
    });

    it("the dispatcher takes the runner's token (one variable in compose) and refuses another", async () => {
      const token = COMPOSE.services.runner?.environment?.FLOODGATE_DISPATCHER_TOKEN as string;
      expect(token).toBe(COMPOSE.services.dispatcher?.environment?.FLOODGATE_DISPATCHER_TOKEN);
      const post = (authorization: string) =>
        fetch(`${origin('dispatcher')}/v1/messages`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: '{}',
        }).then((r) => r.status);
      expect(await post(`Bearer ${token}`)).toBe(400); // past the token, refused for its empty body
      expect(await post('Bearer another-dispatcher-token')).toBe(401);
    });

    it('(i) mocks bound to 127.0.0.1 only: unhealthy, unreachable from the dispatcher, the runner exits 3', {
      timeout: RUN_DEADLINE + 30_000,
    }, async () => {
      const copy = mutated((c) => {
        const command = c.services.mocks?.command as string[];
        command[command.indexOf('--host') + 1] = '127.0.0.1';
      });
      if (running.mocks) await stopProcess(running.mocks);
      const spec = mapService(copy, 'mocks', topology);
      running.mocks = startProcess(spec);
      // Listening (its own loopback), yet not where the others look for it.
      expect(await waitForOutput(running.mocks, /admin\s+http:\/\/127\.0\.0\.1:\d+/, HEALTH_DEADLINE), running.mocks.output()).toBe(true);
      for (let i = 0; i < 3; i++) expect(await healthy(spec.health as string[])).toBe(false);
      expect(await reaches(ADDRESSES.dispatcher, 'mocks')).toBe(false);
      const { code, output } = await runRunner(COMPOSE, '(i) mocks on 127.0.0.1');
      expect(output).toMatch(/the mock providers at http:\/\/127\.0\.0\.3:\d+ cannot be reached/);
      expect(code).toBe(3);
    });
  },
);
