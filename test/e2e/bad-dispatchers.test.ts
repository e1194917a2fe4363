import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Check } from '../../src/gate/index.ts';
import { KNOWN_BAD, type KnownBad } from '../fixtures/bad-dispatchers/index.ts';
import {
  type DispatcherProcess,
  type Judgement,
  judge,
  type MocksProcess,
  runAgainst,
  startBadDispatcher,
  startMocksProcess,
  startReferenceDispatcher,
  stopAll,
  warmUp,
  writeE2eScenario,
} from '../helpers/e2e-system.ts';

/**
 * Issue 6's proof: each known-bad dispatcher, run as its own process against the real Alimtalk
 * mock (its own process too) through the real runner (`floodgate run --target`), fails
 * `floodgate gate` with its own reason and only with reasons its defect explains; the reference
 * dispatcher passes the same scenarios. One mock for the file, reset before each run.
 *
 * Two scenarios, each the same file for every dispatcher (a baseline must share the hash):
 * - `bad-dispatchers` (a-e): the broker allows 200 recipients/s (story 3) in an aligned 1 s window
 *   that rejects over the limit, so (c)'s 2x burst across a boundary is admitted and only the
 *   sliding window sees it; 1,000 recipients (the dropper skips one in a thousand) take about 5 s;
 *   API calls at 10/s alongside. The memory hog keeps 256 KiB per recipient, so 1,000 of them hold
 *   256 MiB, story 1's heap, against a 256 MB RSS bound the reference stays far below (~140 MB).
 * - `api-latency` (f): API calls only, 8 s at 20/s, against the warmed-up reference (the baseline)
 *   and the warmed-up slow one. Without the campaign: while the reference sends 200 recipients a
 *   second its per-second p95 swung from 10 to 175 ms on this shared machine (median 34 ms), too
 *   close to +50 ms for 8 samples; idle it answers in a few ms. 8 per-second samples a side give
 *   the exact Mann-Whitney test p = 2/12870 when they separate and p < 0.05 with a few overlaps.
 */

const TPS = 200;
const HELD_KIB = 256;
const WARM_UP = 20;
const RUN = { timeout: 60_000 };

/** The built-in checks each defect may fail besides its own (what its defect also causes). */
const ALSO_EXPLAINED: Record<KnownBad['id'], Check['kind'][]> = {
  // Stuck re-sending its first page: the rest never leaves before the deadline; and nothing paces
  // it, so a page still draining can meet the next one inside a sliding second.
  a: ['duplicates', 'lost', 'window'],
  b: ['rejected', 'window'],
  // Its late burst (+500 ms) can slip past the boundary on a starved machine (seen beside
  // `stress --cpu 2`) and meet the next second's early one: the broker then refuses the excess.
  c: ['window', 'rejected'],
  d: ['lost'],
  e: [],
  f: [],
};

let mocks: MocksProcess | undefined;
let mockBase = '';
let dir = '';
let mainScenario = '';
let latencyScenario = '';
const verdictLines: string[] = [];

beforeAll(async () => {
  // The mocks run in their own process, as they would beside a real dispatcher: in the runner's,
  // they share its event loop, and on this shared 2-core machine one run went INVALID (loop delay
  // p99 75 ms > 50 ms).
  mocks = await startMocksProcess({ providers: { alimtalk: { kind: 'alimtalk', tps: TPS, algorithm: 'window', overLimit: 'reject' } } });
  mockBase = mocks.urls.alimtalk as string;
  dir = await mkdtemp(join(tmpdir(), 'fg-e2e-bad-'));
  // A 10/s phase's p99 schedule lag is its worst arrival: one 60-90 ms stall of this shared
  // machine (load average 8 on 2 cores while other suites ran) made runs INVALID. What these
  // runs are judged on is measured at the broker and the dispatcher, not by the generator's
  // timing, and a stall lands on both sides of the latency comparison alike: allow 250 ms.
  const common = { mockOrigin: mocks.origin, rssBound: '256MB', lagInvalid: '250ms' };
  mainScenario = await writeE2eScenario(dir, {
    ...common,
    name: 'bad-dispatchers',
    campaign: { recipients: 1000, deadlineMs: 7000 },
    apiSeconds: 6,
    apiRate: 10,
  });
  latencyScenario = await writeE2eScenario(dir, { ...common, name: 'api-latency', apiSeconds: 8, apiRate: 20 });
}, 30_000);

afterAll(async () => {
  await stopAll();
  if (dir) await rm(dir, { recursive: true, force: true });
  // The verdicts, in the test log.
  if (verdictLines.length > 0) console.log(verdictLines.join('\n'));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a scenario against a fresh dispatcher process on a freshly reset mock and always stops
 * the process. `warm`: both sides of the latency comparison are warmed up alike first (a new
 * process answers its first requests several times slower while V8 compiles its hot paths). An
 * INVALID run (exit 3: this machine stalled the generator) says nothing about the dispatcher: it
 * is run once more, from a new process, before the test gives up.
 */
async function runWith(start: () => Promise<DispatcherProcess>, scenario: string, name: string, warm = false): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const dispatcher = await start();
    try {
      if (warm) {
        await warmUp(dispatcher.url, WARM_UP);
        // Until the mock admitted the warm-up (at most 3 s), so the reset leaves nothing behind.
        for (let i = 0; i < 30 && ((await mocks?.stats('alimtalk'))?.admitted ?? 0) < WARM_UP; i++) await sleep(100);
      }
      await mocks?.reset('alimtalk');
      const run = await runAgainst(scenario, dispatcher.url, join(dir, `${name}-${attempt}`));
      if (run.code === 3 && attempt < 2) {
        verdictLines.push(`${name}: attempt ${attempt} INVALID, run again: ${run.out.split('\n').slice(1, 3).join(' ')}`);
        continue;
      }
      // 0 or 1 (thresholds); 3 (invalid) or 4 (bad scenario) would say nothing about the dispatcher.
      expect([0, 1], `${run.out}${run.err}`).toContain(run.code);
      return run.resultPath;
    } finally {
      await dispatcher.stop();
    }
  }
}

function record(label: string, j: Judgement): void {
  verdictLines.push(`${label}: exit ${j.code}: ${j.verdict.headline}`, ...j.verdict.reasons.map((r) => `    - ${r}`));
  const latency = j.verdict.comparison?.latency;
  if (latency)
    verdictLines.push(`    p95/s baseline ${latency.values.baseline.join(' ')} | candidate ${latency.values.candidate.join(' ')}`);
}

function expectPass(j: Judgement): void {
  expect(j.verdict.reasons).toEqual([]);
  expect(j.verdict.status).toBe('pass');
  expect(j.code).toBe(0);
  expect(j.text.split('\n')[0]).toMatch(/^PASS: /);
}

const reference = () => startReferenceDispatcher(dir, mockBase, TPS);

describe('the gate against known-bad dispatchers, end to end', () => {
  it('passes the reference dispatcher', RUN, async () => {
    const j = await judge(await runWith(reference, mainScenario, 'reference'));
    record('reference', j);
    expectPass(j);
  });

  it.each(KNOWN_BAD.map((b) => [`(${b.id}) ${b.name}`, b] as const))('fails %s with its own reason', RUN, async (_label, bad) => {
    const start = () => startBadDispatcher(bad.id, mockBase, TPS, bad.id === 'e' ? HELD_KIB : undefined);
    let baseline: string | undefined;
    if (bad.id === 'f') {
      baseline = await runWith(reference, latencyScenario, 'reference-latency', true);
      const j = await judge(baseline);
      record('reference (api-latency)', j);
      expectPass(j);
    }
    const result = baseline ? await runWith(start, latencyScenario, bad.name, true) : await runWith(start, mainScenario, bad.name);
    const j = await judge(result, baseline);
    record(`(${bad.id}) ${bad.name}`, j);

    expect(j.verdict.status === 'fail' || j.verdict.status === 'regression').toBe(true);
    expect(j.code).toBe(j.verdict.status === 'fail' ? 1 : 2);
    expect(j.verdict.reasons.some((r) => bad.expectedReason.test(r))).toBe(true);
    expect(j.text.split('\n')[0]).toMatch(/^(FAIL|REGRESSION)/);

    // Nothing the defect does not explain: the other correctness checks and the thresholds hold.
    const allowed = ALSO_EXPLAINED[bad.id];
    const unexplained = j.verdict.checks.filter((c) => c.status === 'fail' && !allowed.includes(c.kind));
    expect(unexplained.map((c) => c.message)).toEqual([]);
    const failedThresholds = j.verdict.thresholds.filter((t) => !t.ok).map((t) => t.message);
    expect(failedThresholds).toEqual(bad.id === 'e' ? [expect.stringMatching(/resident_memory_bytes/)] : []);
    if (bad.id === 'f') {
      // A latency regression only: the slow API is exactly as correct as the reference.
      expect(j.verdict.status).toBe('regression');
      expect(j.verdict.comparison?.latency?.regressed).toBe(true);
      expect(j.verdict.comparison?.counts.filter((c) => c.regressed)).toEqual([]);
    }
  });
});
