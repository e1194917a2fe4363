import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import { loadResultAndComparison } from '../../src/cli/compare-input.ts';
import { buildVerdict, type Verdict } from '../../src/gate/index.ts';
import { cli } from './cli.ts';

/**
 * End-to-end plumbing shared by test/e2e/bad-dispatchers.test.ts and bench/aa.ts: a dispatcher
 * (known-bad or the reference) as its own process, one scenario file for all of them, a run
 * through the real CLI (`floodgate run --target`) and the gate's own code path (`floodgate gate`).
 */

/** The API token both kinds of dispatcher are given (the bad ones ignore it). */
export const E2E_TOKEN = 'floodgate-e2e-token';

/** A dispatcher process this harness started; `stop()` ends it by its pid. */
export interface DispatcherProcess {
  url: string;
  pid: number;
  /** Everything the process printed in its JSON line. */
  info: Record<string, unknown>;
  stop(): Promise<void>;
}

/** Every process this harness started and has not stopped yet. */
const running = new Set<() => Promise<void>>();

/** Stops every process this harness started that is still running (afterAll: a timed-out test skips its finally). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((stop) => stop()));
}

/**
 * Spawns `node --import tsx <script> ...args` in the repository and waits for the JSON line
 * `{"url"}` it prints when it listens (dispatcher/main.ts and the fixtures' main.ts both do).
 */
export async function startNodeServer(script: string, args: readonly string[], timeoutMs = 20_000): Promise<DispatcherProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c) => (stderr += c));
  const stop = async () => {
    running.delete(stop);
    await stopChild(child);
  };
  running.add(stop);
  try {
    const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script} did not listen within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
      child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before listening: ${stderr}`)));
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) => {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line) as Record<string, unknown>);
        } catch {
          reject(new Error(`${script} printed ${line}`));
        }
      });
    });
    return { url: String(info.url).replace(/\/+$/, ''), pid: child.pid as number, info, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** SIGTERM, then SIGKILL after 3 s: only this child, by its pid. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Mock providers in their own process (test/helpers/mocks-main.ts) and their admin API. */
export interface MocksProcess {
  /** Origin of the mock server: the admin API is `<origin>/__mock/...`. */
  origin: string;
  /** Each provider's base URL, e.g. `<origin>/alimtalk`. */
  urls: Record<string, string>;
  reset(provider: string): Promise<void>;
  stats(provider: string): Promise<{ admitted: number }>;
  stop(): Promise<void>;
}

/** Starts floodgate's mock providers (createMockProviders) as a child process with this config. */
export async function startMocksProcess(config: Record<string, unknown>): Promise<MocksProcess> {
  const p = await startNodeServer('test/helpers/mocks-main.ts', [JSON.stringify(config)]);
  const admin = (provider: string, what: string) => `${p.url}/__mock/${encodeURIComponent(provider)}/${what}`;
  return {
    origin: p.url,
    urls: p.info.urls as Record<string, string>,
    async reset(provider) {
      const res = await request(admin(provider, 'reset'), { method: 'POST' });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`reset ${provider}: ${res.statusCode}`);
    },
    async stats(provider) {
      const res = await request(admin(provider, 'stats'));
      return (await res.body.json()) as { admitted: number };
    },
    stop: p.stop,
  };
}

/** A known-bad dispatcher (test/fixtures/bad-dispatchers) sending to `providerUrl` (the mock's `/alimtalk` base). */
export function startBadDispatcher(id: string, providerUrl: string, tps: number, heldKib?: number): Promise<DispatcherProcess> {
  return startNodeServer('test/fixtures/bad-dispatchers/main.ts', [
    '--defect',
    id,
    '--target',
    providerUrl,
    '--tps',
    String(tps),
    ...(heldKib ? ['--held-kib', String(heldKib)] : []),
  ]);
}

/** The reference dispatcher (dispatcher/main.ts) with an in-memory outbox and one Alimtalk account named `alimtalk`. */
export async function startReferenceDispatcher(dir: string, providerUrl: string, tps: number): Promise<DispatcherProcess> {
  const config = join(dir, 'reference-dispatcher.json');
  const body = { token: E2E_TOKEN, db: ':memory:', port: 0, providers: { alimtalk: { kind: 'alimtalk', baseUrl: providerUrl, tps } } };
  await writeFile(config, JSON.stringify(body));
  return startNodeServer('dispatcher/main.ts', ['--config', config]);
}

/**
 * Warms a freshly started dispatcher up with `count` single messages (`POST /v1/messages`, one
 * after another), so a baseline comparison compares warm processes: a new Node process answers
 * its first requests several times slower while V8 compiles the hot paths (measured here: 81 and
 * 31 ms p95 in the first two seconds, 5-12 ms after). The recipients are `warmup-<i>`.
 */
export async function warmUp(url: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const res = await request(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${E2E_TOKEN}` },
      body: JSON.stringify({ channel: 'alimtalk', provider: 'alimtalk', to: `warmup-${i}`, template: 'welcome', params: { name: 'Kim' } }),
    });
    await res.body.dump();
  }
}

/** What {@link writeE2eScenario} writes. */
export interface E2eScenarioOptions {
  /** Scenario name, also the file's (`<name>.yaml`). */
  name: string;
  /** The mock providers' origin (where `/__mock/alimtalk/...` lives). */
  mockOrigin: string;
  /** A campaign `welcome` of this many recipients, cut off at `deadlineMs` (x1.25); none when absent. */
  campaign?: { recipients: number; deadlineMs: number };
  /** Seconds of `POST /v1/messages` load (the latency the gate compares) and its rate. */
  apiSeconds: number;
  apiRate: number;
  /** The RSS bound of the dispatcher process, e.g. `256MB`. */
  rssBound: string;
  /** `tolerances.lagInvalid`, e.g. `250ms`; the runner's default (50 ms) when absent. */
  lagInvalid?: string;
}

/**
 * A scenario for any dispatcher: the dispatcher comes from `--target`, so the file (and its
 * hash, which a baseline must share) is the same for the reference and each bad one. A campaign
 * through `POST /v1/campaigns` (optional), an API phase of single messages (unique recipients,
 * so it adds no duplicates), the dispatcher's RSS scraped from its `/metrics`, an RSS threshold.
 */
export async function writeE2eScenario(dir: string, o: E2eScenarioOptions): Promise<string> {
  const file = join(dir, `${o.name}.yaml`);
  const rss = 'floodgate_dispatcher_process_resident_memory_bytes';
  const c = o.campaign;
  await writeFile(
    file,
    [
      `name: ${o.name}`,
      'system:',
      `  token: ${E2E_TOKEN}`,
      `  providers: { alimtalk: { kind: alimtalk, url: "${o.mockOrigin}" } }`,
      'load:',
      ...(c
        ? [
            `  - campaign: { name: welcome, channel: alimtalk, provider: alimtalk, recipients: ${c.recipients}, template: welcome, params: { name: Kim }, poll: 1s, deadline: ${c.deadlineMs}ms }`,
          ]
        : []),
      '  - phases:',
      '      name: api',
      '      target: POST /v1/messages',
      '      headers: { authorization: "Bearer {{token}}", content-type: application/json }',
      '      body: { channel: alimtalk, provider: alimtalk, to: "api-{{uuid}}", template: welcome, params: { name: Kim } }',
      `      stages: [ { duration: ${o.apiSeconds}s, rate: ${o.apiRate} } ]`,
      'monitors:',
      '  interval: 1s',
      `  prometheus: [ { name: dispatcher, url: /metrics, series: [${rss}] } ]`,
      'thresholds:',
      `  dispatcher.${rss}.max: "< ${o.rssBound}"`,
      'timeouts: { campaign: 30s }',
      ...(o.lagInvalid ? [`tolerances: { lagInvalid: ${o.lagInvalid} }`] : []),
      '',
    ].join('\n'),
  );
  return file;
}

/** A run through `floodgate run <scenario> --target <dispatcher> --out <dir>`. */
export async function runAgainst(scenario: string, target: string, outDir: string) {
  const { code, out, err } = await cli(['run', scenario, '--target', target, '--out', outDir]);
  return { code, out, err, resultPath: join(outDir, 'result.json') };
}

/** What the gate says: `floodgate gate` itself (exit code and text) and the verdict it printed, as data. */
export interface Judgement {
  code: number;
  text: string;
  verdict: Verdict;
}

/** Judges a result (against a baseline when given) exactly as `floodgate gate` does. */
export async function judge(resultPath: string, baselinePath?: string): Promise<Judgement> {
  const argv = ['gate', resultPath, ...(baselinePath ? ['--baseline', baselinePath] : [])];
  const { code, out, err } = await cli(argv);
  const { result, comparison } = await loadResultAndComparison('gate', process.cwd(), resultPath, {
    ...(baselinePath ? { baseline: baselinePath } : {}),
  });
  return { code, text: out + err, verdict: buildVerdict(result, comparison) };
}
