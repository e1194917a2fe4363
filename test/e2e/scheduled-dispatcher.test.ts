import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OwnRun, runFloodgate, type Started, startServer, stopAllOwn } from '../helpers/own-dispatcher.ts';

/**
 * Issue 14 (lateness for any dispatcher), judged on a dispatcher floodgate did not write:
 * `floodgate mock` (a long-lived FCM), the Python dispatcher with scheduled sends
 * (test/fixtures/scheduled-dispatcher, the reference API's `schedule` object) in each `--mode`, and
 * `floodgate run` of a campaign of 300 pushes due over 5 s, 3 s out. The verdict is read where CI
 * reads it: the exit code and the named check's line.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const FLOODGATE = join(ROOT, 'bin', 'floodgate.js');
const DISPATCHER = join(ROOT, 'test', 'fixtures', 'scheduled-dispatcher', 'dispatcher.py');
const RECIPIENTS = 300;
/** `--mode early` sends one recipient in ten ahead of its due time (1 s here). */
const EARLY = RECIPIENTS / 10;
const CASE = { timeout: 60_000 };

const SCENARIO = `name: scheduled-push
system:
  providers:
    fcm: { kind: fcm, tps: 600000/min }
load:
  - campaign:
      name: reminders
      channel: push
      provider: fcm
      recipients: ${RECIPIENTS}
      pattern: "device-{n:6}"
      template: reminder
      params: { title: "Your appointment" }
      due: { at: 3s, spread: 5s }
      deadline: 5s
      poll: 200ms
thresholds:
  campaign.reminders.lost: "== 0"
  campaign.reminders.early: "== 0"
  campaign.reminders.lateness.p99: "< 2s"
`;

let dir = '';
let origin = '';
let scenario = '';
let runs = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fg-scheduled-e2e-'));
  const config = join(dir, 'mocks.yaml');
  await writeFile(config, 'providers:\n  fcm: { kind: fcm, tps: 600000/min }\n');
  scenario = join(dir, 'scheduled-push.yaml');
  await writeFile(scenario, SCENARIO);
  const mock = await startServer(
    process.execPath,
    [FLOODGATE, 'mock', '--config', config, '--port', '0'],
    /^admin\s+(http:\/\/\S+)\/__mock\b/m,
  );
  origin = mock.match[1] as string;
}, 40_000);

afterAll(async () => {
  await stopAllOwn();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One `floodgate run` against a fresh dispatcher process in `mode`, stopped by pid after. */
async function runMode(mode: 'correct' | 'early'): Promise<OwnRun & { lateness: Record<string, number> | undefined }> {
  // `early` sends 1 s ahead, not the fixture's 200 ms default: a mock stalled 200 ms on a loaded
  // machine would stamp such a send on time, and the count of early ones would come out short.
  const args = [DISPATCHER, '--fcm', `${origin}/fcm`, '--mode', mode, '--early-ms', '1000'];
  const dispatcher: Started & { match: RegExpExecArray } = await startServer('/usr/bin/python3', args, /listening on (http:\/\/\S+)/);
  const outDir = join(dir, `run-${++runs}-${mode}`);
  try {
    const r = await runFloodgate(scenario, { target: dispatcher.match[1] as string, mocks: origin, outDir, timeoutMs: 50_000 });
    const result = JSON.parse(await readFile(join(outDir, 'result.json'), 'utf8').catch(() => '{"campaigns":[]}')) as {
      campaigns: { lateness?: Record<string, number> }[];
    };
    return { ...r, lateness: result.campaigns[0]?.lateness };
  } finally {
    await dispatcher.stop();
  }
}

const said = (r: OwnRun) => `exit ${r.code}\n${r.out}\n${r.err}`;

describe('floodgate run <300 pushes due over 5 s> --target <Python scheduled dispatcher> --mocks <floodgate mock>', () => {
  it('correct: nobody before their due time passes, with lateness measured over every recipient', CASE, async () => {
    const r = await runMode('correct');
    expect(r.code, said(r)).toBe(0);
    expect(r.out).toMatch(/^PASS/);
    expect(r.failed).toEqual([]);
    expect(r.campaign).toMatchObject({ accepted: RECIPIENTS, delivered: RECIPIENTS, lost: 0, duplicated: 0 });
    expect(r.out).toMatch(
      new RegExp(
        `ok {3}campaign\\.reminders\\.early: campaign reminders: none of ${RECIPIENTS} delivered recipients arrived before they were due \\(tolerance 1ms\\)`,
      ),
    );
    expect(r.lateness).toMatchObject({ reached: RECIPIENTS, early: 0, tolerance: 1, firstDue: expect.any(Number) });
    // Due 3 s to 8 s after the start request, as the scenario says.
    expect(r.lateness?.firstDue).toBeGreaterThan(2990);
    expect(r.lateness?.lastDue).toBeLessThan(8010);
  });

  it('early: sending some recipients 1 s before they are due fails on early, naming the count, exit 1', CASE, async () => {
    const r = await runMode('early');
    expect(r.code, said(r)).toBe(1);
    expect(r.out).toMatch(/^FAIL: /);
    expect(r.out).toContain(
      `FAIL campaign.reminders.early: campaign reminders: ${EARLY} of ${RECIPIENTS} recipient(s) were delivered before they were due (more than 1ms early)`,
    );
    expect(r.out).toContain(`FAIL campaign.reminders.early: == 0 (actual ${EARLY} early)`);
    // Only the early sends show: nothing lost, no duplicate, the rest on time.
    expect(new Set(r.failed), said(r)).toEqual(new Set(['campaign.reminders.early']));
    expect(r.campaign).toMatchObject({ delivered: RECIPIENTS, lost: 0, duplicated: 0 });
    expect(r.lateness?.early).toBe(EARLY);
  });
});
