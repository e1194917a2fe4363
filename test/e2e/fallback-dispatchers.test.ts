import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OwnRun, runFloodgate, type Started, startServer, stopAllOwn } from '../helpers/own-dispatcher.ts';

/**
 * Issue 10's Done-when for Alimtalk-to-SMS fallback, judged on a dispatcher floodgate did not write:
 * `floodgate mock` (an Alimtalk broker `kakao` and an SMS gateway `sms`, long-lived), the outside
 * team's Python dispatcher (test/fixtures/fallback-dispatcher) in each `--mode`, and
 * `floodgate run scenarios/alimtalk-sms-fallback.yaml --target --mocks --scale 0.25` (500
 * recipients, a tenth of them not KakaoTalk users). The verdict is read where CI reads it: the
 * exit code and the named check's line.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const FLOODGATE = join(ROOT, 'bin', 'floodgate.js');
const DISPATCHER = join(ROOT, 'test', 'fixtures', 'fallback-dispatcher', 'dispatcher.py');
const SCENARIO = join(ROOT, 'scenarios', 'alimtalk-sms-fallback.yaml');
/** The scenario's 2,000 recipients at --scale 0.25; its deadline shrinks to 7.5 s (tracked 9.4 s). */
const RECIPIENTS = 500;
const CASE = { timeout: 60_000 };
const LOST = 'campaign.notice.lost';
const FALLBACK = 'campaign.notice.fallback';
const DUPLICATED = 'campaign.notice.duplicated';

let dir = '';
let origin = '';
let runs = 0;
/** Recipients the correct dispatcher reached by SMS: the same numbers are lost when it never falls back. */
let reachedBySms: number | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fg-fallback-e2e-'));
  const config = join(dir, 'mocks.yaml');
  // The names the scenario uses; its own settings (tps, notKakaoUsers) are pushed for each run.
  await writeFile(config, 'providers:\n  kakao: { kind: alimtalk, tps: 200 }\n  sms: { kind: sms, tps: 100 }\n');
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

/** One `floodgate run` of the scenario against a fresh dispatcher process in `mode`, stopped by pid after. */
async function runMode(mode: 'correct' | 'sms-everyone' | 'never'): Promise<OwnRun> {
  // A 0.3 s pacing margin, not the 0.2 default: a mock stalled 100+ ms on a loaded CI machine
  // stamps a batch late enough to put one batch too many in a sliding second.
  const args = [DISPATCHER, '--kakao', `${origin}/kakao`, '--sms', `${origin}/sms`, '--mode', mode, '--window-margin', '0.3'];
  const dispatcher: Started & { match: RegExpExecArray } = await startServer('/usr/bin/python3', args, /listening on (http:\/\/\S+)/);
  try {
    return await runFloodgate(SCENARIO, {
      target: dispatcher.match[1] as string,
      mocks: origin,
      outDir: join(dir, `run-${++runs}-${mode}`),
      args: ['--scale', '0.25'],
      timeoutMs: 50_000,
    });
  } finally {
    await dispatcher.stop();
  }
}

/** What a failed expectation prints: the run's whole output. */
const said = (r: OwnRun) => `exit ${r.code}\n${r.out}\n${r.err}`;

describe('floodgate run scenarios/alimtalk-sms-fallback.yaml --target <Python dispatcher> --mocks <floodgate mock>', () => {
  it('correct: SMS to exactly the 3019s passes, every recipient reached once', CASE, async () => {
    const r = await runMode('correct');
    expect(r.code, said(r)).toBe(0);
    expect(r.out).toMatch(/^PASS/);
    expect(r.failed).toEqual([]);
    expect(r.campaign).toMatchObject({ requested: RECIPIENTS, accepted: RECIPIENTS, delivered: RECIPIENTS, lost: 0, duplicated: 0 });
    const m = /ok {3}campaign\.notice\.fallback: campaign notice: no recipient got both; (\d+) were reached through the sms fallback/.exec(
      r.out,
    );
    expect(m, said(r)).not.toBeNull();
    reachedBySms = Number(m?.[1]);
    // A tenth are not KakaoTalk users: some, far from all (a fallback that reached no one proves nothing).
    expect(reachedBySms).toBeGreaterThan(0);
    expect(reachedBySms).toBeLessThan(RECIPIENTS / 4);
  });

  it('sms-everyone: texting the KakaoTalk users too fails on the fallback check', CASE, async () => {
    const r = await runMode('sms-everyone');
    expect(r.code, said(r)).toBe(1);
    expect(r.out).toMatch(/^FAIL: .*: campaign notice: \d+ recipient\(s\) got both the kakao message and the sms fallback/);
    const m = /FAIL campaign\.notice\.fallback: campaign notice: (\d+) recipient\(s\) got both the kakao message and the sms fallback/.exec(
      r.out,
    );
    expect(m, said(r)).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThan(0);
    // Only the duplicate shows: nothing lost, no provider over its limit (its `duplicated` threshold agrees).
    expect(new Set(r.failed), said(r)).toEqual(new Set([FALLBACK, DUPLICATED]));
    expect(r.campaign).toMatchObject({ accepted: RECIPIENTS, delivered: RECIPIENTS, lost: 0 });
  });

  it('never: no fallback fails on lost, naming both channels', CASE, async () => {
    const r = await runMode('never');
    expect(r.code, said(r)).toBe(1);
    const m = new RegExp(
      `FAIL ${LOST}: campaign notice: (\\d+) of ${RECIPIENTS} accepted recipient\\(s\\) never received the message \\(neither the kakao message nor the sms fallback\\)`,
    ).exec(r.out);
    expect(m, said(r)).not.toBeNull();
    // The check and the scenario's `lost` threshold share the id; nothing else fails.
    expect(new Set(r.failed), said(r)).toEqual(new Set([LOST]));
    expect(r.out).toMatch(new RegExp(`ok {3}${FALLBACK}: campaign notice: no recipient got both; 0 were reached`));
    const lost = Number(m?.[1]);
    expect(lost).toBeGreaterThan(0);
    // The same numbers every run (a stable hash): exactly those the correct dispatcher texted.
    if (reachedBySms !== undefined) expect(lost).toBe(reachedBySms);
  });
});
