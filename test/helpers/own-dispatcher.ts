import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The own-dispatcher flow exactly as a team runs it, each part its own process: `floodgate mock`
 * (long-lived mocks), the outside team's Python dispatcher (test/fixtures/own-dispatcher)
 * configured against the mock's Alimtalk base URL, and `floodgate run --target --mocks` with a
 * scenario that starts campaigns through the dispatcher's own API. Shared by
 * test/e2e/own-dispatcher.test.ts and bench/own-dispatcher.ts, so both judge the same harness.
 */

/** The Alimtalk account limit everywhere here (mock, dispatcher, scenario). */
export const OWN_TPS = 200;
/** Recipients per campaign. */
export const OWN_RECIPIENTS = 400;
/**
 * Recipients of the boundary-burst case: three bursts of tps. With two (400), a campaign that
 * starts in the last 100 ms of an even second bursts at .002 of the odd second and .900 of the
 * next even one, 1.9 s apart, and no sliding second holds both (measured: 1 of 5 runs passed);
 * with three, some even-then-odd pair always falls within one sliding second.
 */
export const OWN_BURST_RECIPIENTS = 3 * OWN_TPS;
/** The key the scenario sends (`x-api-key: "${OWN_API_KEY}"`, from the run's environment). */
export const OWN_API_KEY = 'own-dispatcher-e2e-key';
/** The provider's name in the mock and the scenario: the checks are `provider.alimtalk.*`. */
export const OWN_PROVIDER = 'alimtalk';
/** The campaign's name: the checks are `campaign.spring.*`. */
export const OWN_CAMPAIGN = 'spring';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FLOODGATE = join(ROOT, 'bin/floodgate.js');
const PYTHON = '/usr/bin/python3';
const DISPATCHER = join(ROOT, 'test/fixtures/own-dispatcher/dispatcher.py');

/** A process this harness started; `stop()` ends it by its pid. */
export interface Started {
  pid: number;
  /** Everything it printed so far (stdout then stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Every process started here and not stopped yet. */
const running = new Set<Started>();

/** Stops every process this harness started that still runs (for afterAll: a timed-out test skips its finally). */
export async function stopAllOwn(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

/** SIGTERM by pid, SIGKILL after 5 s (the dispatcher waits for requests in flight up to its timeout + 1 s). */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
  }, 5000);
  await exited;
  clearTimeout(timer);
}

/** Spawns a process this module tracks (stopped by pid in {@link stopAllOwn}), collecting its output. */
function spawnTracked(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const started: Started = {
    pid: child.pid as number,
    output: () => `${out}${err}`,
    stop: async () => {
      running.delete(started);
      await stopChild(child);
    },
  };
  running.add(started);
  return { child, started, out: () => out, err: () => err };
}

/** Spawns a long-lived server and waits until its stdout matches `ready` (it printed where it listens); stopped by {@link stopAllOwn}. */
export async function startServer(
  command: string,
  args: string[],
  ready: RegExp,
  timeoutMs = 30_000,
): Promise<Started & { match: RegExpExecArray }> {
  // No admin token from the caller's environment: the mock's admin API stays open to the run.
  const { child, started, out } = spawnTracked(command, args, { ...process.env, FLOODGATE_MOCK_TOKEN: '' });
  try {
    const match = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${args.join(' ')}: not ready within ${timeoutMs} ms:\n${started.output()}`)),
        timeoutMs,
      );
      const onData = () => {
        const m = ready.exec(out());
        if (!m) return;
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(m);
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${args.join(' ')} exited (${code}) before it was ready:\n${started.output()}`));
      });
    });
    return { ...started, match };
  } catch (error) {
    await started.stop();
    throw error;
  }
}

/** A running `floodgate mock`. */
export interface MockCli extends Started {
  /** The server's origin, for `--mocks` (its admin API is `<origin>/__mock`). */
  origin: string;
  /** The Alimtalk broker's base URL, for the dispatcher's config. */
  alimtalk: string;
}

/**
 * `floodgate mock --config mocks.yaml --port 0`: one Alimtalk broker at tps 200 with the default
 * aligned 1 s window (so a boundary burst is admitted and only the sliding measurement sees it);
 * the scenario pushes its own settings (dedupe, latency) for each run. Reads the printed lines.
 */
export async function startMockCli(dir: string): Promise<MockCli> {
  const config = join(dir, 'mocks.yaml');
  await writeFile(
    config,
    ['providers:', `  ${OWN_PROVIDER}:`, '    kind: alimtalk', `    tps: ${OWN_TPS}`, '    algorithm: window', ''].join('\n'),
  );
  const p = await startServer(
    process.execPath,
    [FLOODGATE, 'mock', '--config', config, '--port', '0'],
    new RegExp(`^${OWN_PROVIDER}\\s+(http://\\S+)\\s+\\(alimtalk\\)\\n(?:.*\\n)*?admin\\s+(http://\\S+)/__mock\\b`, 'm'),
  );
  return { ...p, alimtalk: p.match[1] as string, origin: p.match[2] as string };
}

/** How the Python dispatcher is configured (test/fixtures/own-dispatcher/README.md). */
export interface OwnDispatcherOptions {
  variant: 'correct' | 'retry-new-key' | 'forget-second-run' | 'boundary-burst';
  /** The broker's base URL (the mock's `alimtalk` line). */
  providerUrl: string;
  /** Its own key; the scenario sends {@link OWN_API_KEY}, so anything else is the auth mismatch. */
  apiKey?: string;
  /** Seconds per request before it gives up on the answer (and retries). */
  timeout?: number;
  batchSize?: number;
  maxAttempts?: number;
}

/** A running Python dispatcher. */
export interface OwnDispatcher extends Started {
  url: string;
}

/** Writes its config (its own state file in `dir`, port 0) and waits for `listening on`. */
export async function startOwnDispatcher(dir: string, o: OwnDispatcherOptions): Promise<OwnDispatcher> {
  const tag = `${o.variant}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const config = {
    listen: { host: '127.0.0.1', port: 0 },
    apiKey: o.apiKey ?? OWN_API_KEY,
    provider: {
      baseUrl: o.providerUrl,
      appKey: 'floodgate-app',
      senderKey: 'floodgate-sender',
      tps: OWN_TPS,
      // Not the 0.1 default: a loaded CI machine stalled the mock past 100 ms, so a batch was
      // stamped late and 11 batches of 20 landed in one sliding second (the fixture's README).
      windowMargin: 0.3,
      batchSize: o.batchSize ?? 20,
      timeout: o.timeout ?? 5,
      maxAttempts: o.maxAttempts ?? 5,
    },
    stateFile: join(dir, `${tag}.state.json`),
    variant: o.variant,
  };
  const file = join(dir, `${tag}.json`);
  await writeFile(file, JSON.stringify(config));
  const p = await startServer(PYTHON, [DISPATCHER, '--config', file], /listening on (http:\/\/\S+)/);
  return { ...p, url: p.match[1] as string };
}

/** What the scenario pushes to the mock and how long it tracks the campaign. */
export interface OwnScenarioOptions {
  /** Scenario name (also the file's). */
  name: string;
  /** The broker's latency for this run, e.g. `{ min: 1ms, max: 1000ms }`. */
  latency: string;
  /** The campaign's deadline (tracked 1.25 x as long): what is not delivered by then is lost. */
  deadline: string;
  /** Recipients of the campaign; {@link OWN_RECIPIENTS} by default. */
  recipients?: number;
}

/**
 * A scenario for the Python dispatcher's API: the Alimtalk provider's settings (tps 200,
 * `dedupe: true`, the given latency) pushed to the mock for the run, and one campaign of
 * {@link OWN_RECIPIENTS} (or `recipients`) started with `POST /campaigns` and the key from `${OWN_API_KEY}`.
 */
export async function writeOwnScenario(dir: string, o: OwnScenarioOptions): Promise<string> {
  const file = join(dir, `${o.name}.yaml`);
  await writeFile(
    file,
    [
      `name: ${o.name}`,
      'system:',
      '  providers:',
      `    ${OWN_PROVIDER}: { kind: alimtalk, tps: ${OWN_TPS}, dedupe: true, latency: ${o.latency} }`,
      'load:',
      '  - campaign:',
      `      name: ${OWN_CAMPAIGN}`,
      `      channel: alimtalk`,
      `      provider: ${OWN_PROVIDER}`,
      `      recipients: ${o.recipients ?? OWN_RECIPIENTS}`,
      '      pattern: user-{n:8}',
      '      template: welcome',
      '      params: { name: Kim }',
      `      deadline: ${o.deadline}`,
      '      poll: 200ms',
      '      start:',
      '        method: POST',
      '        path: /campaigns',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the scenario's own ${VAR}, filled from the run's environment
      '        headers: { x-api-key: "${OWN_API_KEY}" }',
      "        body: { name: '{{name}}', template: '{{template}}', count: '{{count}}', pattern: '{{pattern}}', params: '{{params}}' }",
      '',
    ].join('\n'),
  );
  return file;
}

/** A campaign's figures from result.json. */
export interface CampaignFigures {
  requested: number;
  accepted: number;
  delivered: number;
  lost: number;
  duplicated: number;
}

/** One `floodgate run` as a child process. */
export interface OwnRun {
  code: number | null;
  out: string;
  err: string;
  /** The ids of the checks printed as `FAIL <id>:`. */
  failed: string[];
  /** The campaign's figures, when the run wrote result.json (an invalid start writes none). */
  campaign: CampaignFigures | null;
}

/**
 * `floodgate run <scenario> --target <dispatcher> --mocks <origin> --out <outDir> [...args]` with
 * OWN_API_KEY in its environment; killed by pid if it has not exited within `timeoutMs`.
 */
export async function runFloodgate(
  scenario: string,
  o: { target: string; mocks: string; outDir: string; apiKey?: string; timeoutMs?: number; args?: readonly string[] },
): Promise<OwnRun> {
  const args = [FLOODGATE, 'run', scenario, '--target', o.target, '--mocks', o.mocks, '--out', o.outDir, ...(o.args ?? [])];
  const env = { ...process.env, OWN_API_KEY: o.apiKey ?? OWN_API_KEY, FLOODGATE_MOCK_TOKEN: '' };
  const { child, started, out, err } = spawnTracked(process.execPath, args, env);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void started.stop();
  }, o.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (c) => resolve(c));
  });
  clearTimeout(timer);
  running.delete(started);
  const stderr = timedOut ? `${err()}\n[killed: no exit within ${o.timeoutMs ?? 60_000} ms]` : err();
  const failed = [...out().matchAll(/^\s*FAIL (\S+):/gm)].map((m) => m[1] as string);
  return { code, out: out(), err: stderr, failed, campaign: await campaignFigures(join(o.outDir, 'result.json')) };
}

async function campaignFigures(path: string): Promise<CampaignFigures | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  const c = (JSON.parse(text) as { campaigns: CampaignFigures[] }).campaigns[0];
  if (!c) return null;
  const { requested, accepted, delivered, lost, duplicated } = c;
  return { requested, accepted, delivered, lost, duplicated };
}

/** The cases of the own-dispatcher flow: the correct dispatcher, its four faults, and two unreadable ledgers. */
export const OWN_CASES = ['correct', 'a', 'b', 'c', 'd', 'invalid'] as const;
export type OwnCase = (typeof OWN_CASES)[number];

/** A latency with no tail near the dispatcher's 5 s timeout: only the faults under test show. */
const CALM = '{ median: 20ms, p99: 200ms }';
/** Uniform 1-1000 ms: about 70% of requests outlast a 0.3 s timeout, so every campaign retries many batches. */
const SLOW = '{ min: 1ms, max: 1000ms }';

let runs = 0;

/**
 * Runs one case end to end and returns its `floodgate run`s in order (two for `correct` and `c`,
 * which run twice on the same mock and the same dispatcher process; `invalid`: `--mocks` at the
 * provider's base URL, then at a closed port). The dispatcher is stopped by pid before returning.
 */
export async function runOwnCase(which: OwnCase, dir: string, mock: MockCli): Promise<OwnRun[]> {
  const variant = (
    { correct: 'correct', a: 'retry-new-key', b: 'correct', c: 'forget-second-run', d: 'boundary-burst', invalid: 'correct' } as const
  )[which];
  const d = await startOwnDispatcher(dir, {
    variant,
    providerUrl: mock.alimtalk,
    ...(which === 'a' ? { timeout: 0.3, batchSize: 5, maxAttempts: 3 } : {}),
    ...(which === 'b' ? { apiKey: 'a-key-the-caller-does-not-have' } : {}),
  });
  try {
    const scenario = await writeOwnScenario(dir, {
      name: `own-${which}`,
      latency: which === 'a' ? SLOW : CALM,
      // (c)'s second run sends nothing: a short deadline ends its wait (x1.25) soon.
      deadline: which === 'a' ? '15s' : which === 'c' ? '4s' : '10s',
      ...(which === 'd' ? { recipients: OWN_BURST_RECIPIENTS } : {}),
    });
    const run = (mocks: string) => runFloodgate(scenario, { target: d.url, mocks, outDir: join(dir, `run-${++runs}-${which}`) });
    if (which === 'invalid') {
      const closed = `http://127.0.0.1:${await closedPort()}`;
      // Neither begins a run on the mock, so they may overlap.
      return await Promise.all([run(mock.alimtalk), run(closed)]);
    }
    const first = await run(mock.origin);
    return which === 'correct' || which === 'c' ? [first, await run(mock.origin)] : [first];
  } finally {
    await d.stop();
  }
}

/** A port that was free a moment ago and is closed now (bound on 0, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
