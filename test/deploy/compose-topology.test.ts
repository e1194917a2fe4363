import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ComposeFile,
  healthy,
  interpolate,
  loadCompose,
  mapService,
  planTopology,
  ROOT,
  type Running,
  runToEnd,
  startProcess,
  stopAll,
  stopProcess,
  type Topology,
  waitForOutput,
  waitHealthy,
} from './compose-processes.ts';

/**
 * docker-compose.yml as it would run, without a Docker engine: every service is a process on its
 * own loopback address (see compose-processes.ts for what is mapped), started in depends_on order
 * once its dependencies pass their own health checks; then the runner service's command must PASS.
 * Two broken copies of the file must not: mocks that listen on their loopback only, and a runner
 * whose token is not the mocks'.
 */

const ADDRESSES = { mocks: '127.0.0.3', dispatcher: '127.0.0.2', runner: '127.0.0.4' };
/** `docker compose` run with no token variables set: every service gets the documented defaults. */
const ENV: Record<string, string> = {};
const RAW = loadCompose(join(ROOT, 'docker-compose.yml'));
const COMPOSE = interpolate(RAW, ENV);
const HEALTH_DEADLINE = 40_000;
const RUN_DEADLINE = 60_000;

let dir = '';
let topology: Topology;
const running: Record<string, Running> = {};
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
  const reasons = /Reasons:\n((?: {2}- .*\n)+)/.exec(output)?.[1]?.trim().split('\n') ?? [];
  return reasons.length > 0 && reasons.every((r) => /generator fell behind|event loop was delayed/.test(r));
}

/** A copy of the raw file with `mutate` applied, interpolated as Compose would. */
function mutated(mutate: (c: ComposeFile) => void): ComposeFile {
  const copy = structuredClone(RAW);
  mutate(copy);
  return interpolate(copy, ENV);
}

beforeAll(
  async () => {
    dir = mkdtempSync(join(tmpdir(), 'fg-compose-topology-'));
    topology = await planTopology(COMPOSE, ADDRESSES, dir);
    for (const name of upOrder(COMPOSE)) {
      const spec = mapService(COMPOSE, name, topology);
      figures.push(`${name}: ${spec.argv.slice(2).join(' ')}`);
      running[name] = startProcess(spec);
      healthyAtStart[name] = await waitHealthy(running[name], HEALTH_DEADLINE);
      if (!healthyAtStart[name]) break; // as compose: a dependent of an unhealthy service is not started
    }
  },
  2 * HEALTH_DEADLINE + 5_000,
);

afterAll(async () => {
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
  console.log(figures.join('\n'));
}, 20_000);

describe('docker-compose.yml as processes on 127.0.0.2 (dispatcher) and 127.0.0.3 (mocks)', () => {
  it('starts mocks then dispatcher, each passing its own health check, reachable from the other address', async () => {
    expect(upOrder(COMPOSE)).toEqual(['mocks', 'dispatcher']);
    const out = Object.entries(running)
      .map(([n, r]) => `${n}:\n${r.output()}`)
      .join('\n');
    expect(healthyAtStart, out).toEqual({ mocks: true, dispatcher: true });
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
    expect(output).toMatch(/^PASS/m);
    expect(code, output).toBe(0);
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
});
