import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Series } from '../../src/core/result.ts';
import { freshStore, postgresUnavailable } from '../dispatcher/store-drivers.ts';
import { cli } from '../helpers/cli.ts';
import {
  type DispatcherProcess,
  E2E_TOKEN,
  type Judgement,
  judge,
  type MocksProcess,
  runAgainst,
  startMocksProcess,
  startNodeServer,
  stopAll,
} from '../helpers/e2e-system.ts';

/**
 * Issue 12's known-bad: N dispatcher processes on one PostgreSQL outbox, one campaign split
 * between them by `FOR UPDATE SKIP LOCKED` claims, against one Alimtalk account of 200
 * recipients/s. The per-instance-limiter fixture (test/fixtures/per-instance-limiter) paces each
 * process with its own in-memory limiter set to the full 200/s: 2 of them send up to 400 in a
 * sliding second, and `floodgate gate` must FAIL them with the sliding-window reason. The
 * reference dispatcher, whose limiter is shared through the database, must PASS the same
 * scenario with 2 and with 4 processes.
 *
 * The mock is in `brownout` mode: it admits everything (so the excess is measured, not turned
 * into 429s) but answers from a queue drained at 200/s, as an overloaded broker does; its
 * sliding-window recorder counts every arrival. 1,000 recipients: about 5 s of sending a run.
 */

const TPS = 200;
const RECIPIENTS = 1000;
const RUN = { timeout: 60_000 };

const unavailable = await postgresUnavailable();
if (unavailable && process.env.FLOODGATE_REQUIRE_POSTGRES === '1') throw new Error(`${unavailable}, and FLOODGATE_REQUIRE_POSTGRES=1`);

let mocks: MocksProcess | undefined;
let dir = '';
let scenario = '';
const drops: (() => Promise<void>)[] = [];
const verdictLines: string[] = [];

beforeAll(async () => {
  if (unavailable) return;
  mocks = await startMocksProcess({
    providers: { alimtalk: { kind: 'alimtalk', tps: TPS, overLimit: 'brownout', latency: { median: 20, p99: 60 } } },
  });
  dir = await mkdtemp(join(tmpdir(), 'fg-e2e-instances-'));
  scenario = join(dir, 'per-instance-limiter.yaml');
  await writeFile(
    scenario,
    [
      'name: per-instance-limiter',
      'system:',
      `  token: ${E2E_TOKEN}`,
      `  providers: { alimtalk: { kind: alimtalk, url: "${mocks.origin}" } }`,
      'load:',
      `  - campaign: { name: welcome, channel: alimtalk, provider: alimtalk, recipients: ${RECIPIENTS}, template: welcome, params: { name: Kim }, poll: 500ms, deadline: 25s }`,
      'timeouts: { campaign: 30s }',
      // What is judged here is measured at the broker; a stall of this shared machine is not.
      'tolerances: { lagInvalid: 250ms }',
      '',
    ].join('\n'),
  );
}, 30_000);

afterAll(async () => {
  await stopAll();
  for (const drop of drops) await drop();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (verdictLines.length > 0) console.log(verdictLines.join('\n'));
});

/** The script each kind of dispatcher runs as (one process per instance, the same config). */
const SCRIPTS = { 'per-instance-limiter': 'test/fixtures/per-instance-limiter/main.ts', reference: 'dispatcher/main.ts' } as const;

/**
 * Starts `instances` processes of `kind` on a fresh PostgreSQL schema, resets the mock, runs the
 * scenario against the first process (the campaign is one; every process claims from it) and
 * judges the result as `floodgate gate` does. Every process is stopped by its pid.
 */
async function runInstances(kind: keyof typeof SCRIPTS, instances: number): Promise<Judgement> {
  const store = await freshStore('postgres', '');
  drops.push(store.drop);
  const config = join(dir, `${kind}-${instances}.json`);
  const providers = { alimtalk: { kind: 'alimtalk', baseUrl: mocks?.urls.alimtalk, tps: TPS } };
  await writeFile(config, JSON.stringify({ token: E2E_TOKEN, db: store.db, port: 0, providers }));
  const running: DispatcherProcess[] = [];
  try {
    running.push(...(await Promise.all(Array.from({ length: instances }, () => startNodeServer(SCRIPTS[kind], ['--config', config])))));
    await mocks?.reset('alimtalk');
    const run = await runAgainst(scenario, (running[0] as DispatcherProcess).url, join(dir, `${kind}-${instances}`));
    // 0 or 1 (thresholds); 3 (invalid) or 4 (bad scenario) would say nothing about the dispatcher.
    expect([0, 1], `${run.out}${run.err}`).toContain(run.code);
    const j = await judge(run.resultPath);
    verdictLines.push(`${kind} x${instances}: exit ${j.code}: ${j.verdict.headline}`, ...j.verdict.reasons.map((r) => `    - ${r}`));
    return j;
  } finally {
    await Promise.all(running.map((p) => p.stop()));
  }
}

describe.skipIf(unavailable !== undefined)('several dispatcher instances sharing one 200/s account on PostgreSQL', () => {
  it('fails 2 instances that each pace with their own limiter, for the sliding window', RUN, async () => {
    const j = await runInstances('per-instance-limiter', 2);
    expect(j.code).toBe(1);
    expect(j.verdict.status).toBe('fail');
    expect(j.text.split('\n')[0]).toMatch(/^FAIL: /);
    const window = j.verdict.reasons.find((r) => /in one sliding second, over the limit of 200/.test(r));
    expect(window, j.verdict.reasons.join('\n')).toBeDefined();
    // Two processes at the full limit each: well past one limit, at most two.
    const most = Number(/(\d+) recipients in one sliding second/.exec(window ?? '')?.[1]);
    expect(most).toBeGreaterThan(1.25 * TPS);
    expect(most).toBeLessThanOrEqual(2 * TPS);
    // Only the limiter is wrong: nothing lost, nothing sent twice.
    expect(j.verdict.reasons.filter((r) => r !== window)).toEqual([]);
  });

  it.each([2, 4])('passes the reference dispatcher as %i instances', RUN, async (n) => {
    const j = await runInstances('reference', n);
    expect(j.verdict.reasons).toEqual([]);
    expect(j.verdict.status).toBe('pass');
    expect(j.code).toBe(0);
    expect(j.text.split('\n')[0]).toMatch(/^PASS: /);
  });
});

/**
 * `system.dispatcherInstances`: a scenario starts the embedded reference dispatcher as N
 * processes on one PostgreSQL outbox behind a round-robin front, whose `/metrics` labels each
 * instance's series, so result.json has every instance's rate and memory beside the provider's.
 */
function embeddedScenario(db: string | undefined, instances: number): string {
  return [
    'name: embedded-instances',
    'system:',
    `  providers: { alimtalk: { kind: alimtalk, tps: ${TPS}, overLimit: brownout, latency: { median: 20ms, p99: 60ms } } }`,
    `  dispatcherInstances: ${instances}`,
    ...(db ? [`  dispatcherConfig: { db: "${db}" }`] : []),
    'load:',
    `  - campaign: { name: welcome, channel: alimtalk, recipients: 600, template: welcome, params: { name: Kim }, poll: 500ms, deadline: 20s }`,
    'monitors:',
    '  interval: 500ms',
    '  prometheus: [ { name: dispatcher, url: /metrics, series: [floodgate_dispatcher_sent_per_second, { metric: floodgate_dispatcher_process_resident_memory_bytes, as: rss }] } ]',
    'timeouts: { campaign: 30s }',
    'tolerances: { lagInvalid: 250ms }',
    '',
  ].join('\n');
}

describe('system.dispatcherInstances', () => {
  it('refuses several instances without a PostgreSQL outbox, naming the field', async () => {
    const d = await mkdtemp(join(tmpdir(), 'fg-instances-bad-'));
    try {
      const file = join(d, 'bad.yaml');
      await writeFile(file, embeddedScenario(undefined, 2));
      const run = await cli(['run', file, '--out', join(d, 'out')]);
      expect(run.code).toBe(4);
      expect(run.err).toMatch(/system\.dispatcherInstances/);
      expect(run.err).toMatch(/set system\.dispatcherConfig\.db to a PostgreSQL URL/);
      expect(run.err).not.toMatch(/\n\s+at /);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });

  it.skipIf(unavailable !== undefined)(
    'runs 2 embedded instances on PostgreSQL: PASS, and each instance has its own rate and memory series',
    RUN,
    async () => {
      const store = await freshStore('postgres', '');
      drops.push(store.drop);
      const d = await mkdtemp(join(tmpdir(), 'fg-instances-'));
      try {
        const file = join(d, 'embedded-instances.yaml');
        await writeFile(file, embeddedScenario(store.db, 2));
        const run = await cli(['run', file, '--out', join(d, 'out')]);
        expect(run.code, `${run.out}${run.err}`).toBe(0);
        const result = JSON.parse(await readFile(join(d, 'out', 'result.json'), 'utf8')) as {
          series: Series[];
          providers: Record<string, { admitted: number; maxPerSecondWindow: number }>;
        };
        expect(result.providers.alimtalk?.admitted).toBe(600);
        expect(result.providers.alimtalk?.maxPerSecondWindow).toBeLessThanOrEqual(TPS);
        for (const name of ['dispatcher.floodgate_dispatcher_sent_per_second', 'dispatcher.rss']) {
          const instances = result.series.filter((s) => s.name === name && s.points.length > 0).map((s) => s.labels.instance);
          expect(new Set(instances), name).toEqual(new Set(['1', '2']));
        }
        // Both processes sent: the campaign was split between them.
        const peak = (i: string) =>
          Math.max(
            ...result.series
              .filter((s) => s.name === 'dispatcher.floodgate_dispatcher_sent_per_second' && s.labels.instance === i)
              .flatMap((s) => s.points.map((p) => p[1])),
          );
        expect(peak('1')).toBeGreaterThan(0);
        expect(peak('2')).toBeGreaterThan(0);
      } finally {
        await rm(d, { recursive: true, force: true });
      }
    },
  );
});

if (unavailable) {
  it.skip(`several dispatcher instances: skipped, ${unavailable} (set FLOODGATE_TEST_PG; FLOODGATE_REQUIRE_POSTGRES=1 makes this a failure)`, () => {});
}
