import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFloodgateCli } from '../helpers/floodgate-run.ts';

/**
 * Issue 14 item 3's mechanism on the embedded reference dispatcher: `floodgate run` with a
 * 2,000-recipient Alimtalk campaign at 200/s (about 10 s) and a `fault` step that SIGKILLs the
 * dispatcher 4 s in. The dispatcher runs as its own process on a SQLite file floodgate made for
 * the run; the mocks (and their ledger) stay up. The run must PASS with nothing lost and nothing
 * duplicated (the broker dedupes client keys, as a real one does), and record the restart.
 */

const RECIPIENTS = 2000;
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fg-restart-embedded-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function scenario(signal: 'SIGKILL' | 'SIGTERM'): string {
  return [
    `name: restart-embedded-${signal.toLowerCase()}`,
    'system:',
    '  dispatcher: embedded',
    '  providers:',
    '    alimtalk: { kind: alimtalk, tps: 200, dedupe: true, latency: { fixed: 20ms } }',
    'load:',
    `  - campaign: { name: welcome, channel: alimtalk, recipients: ${RECIPIENTS}, template: welcome, params: { name: m }, deadline: 60s }`,
    `  - fault: { name: restart-mid-run, restart: dispatcher, delay: 4s, signal: ${signal}, down: 500ms }`,
    'thresholds:',
    '  campaign.welcome.lost: "== 0"',
    '  campaign.welcome.duplicated: "== 0"',
    '  provider.alimtalk.duplicates: "== 0"',
    '',
  ].join('\n');
}

describe('floodgate run: a fault step restarts the embedded reference dispatcher mid-campaign', () => {
  it('SIGKILL 4 s into a 2,000-recipient campaign: PASS, 0 lost, 0 duplicated, the restart recorded', { timeout: 150_000 }, async () => {
    const file = join(dir, 'sigkill.yaml');
    await writeFile(file, scenario('SIGKILL'));
    const run = await runFloodgateCli(file, join(dir, 'out-sigkill'));
    const said = `exit ${run.code}\n${run.out}\n${run.err}`;
    expect(run.code, said).toBe(0);
    expect(run.out).toMatch(/^PASS/);
    const r = run.result;
    if (!r) throw new Error(`no result.json\n${said}`);
    const c = r.campaigns[0];
    expect(c).toMatchObject({ accepted: RECIPIENTS, delivered: RECIPIENTS, lost: 0, duplicated: 0 });
    const f = r.faults?.[0];
    expect(f).toMatchObject({
      name: 'restart-mid-run',
      kind: 'restart',
      target: 'dispatcher',
      instance: 1,
      signal: 'SIGKILL',
      down: 500,
      error: null,
    });
    if (!f || f.killedAt === null || f.readyAt === null || f.downtime === null) throw new Error(`fault not timed: ${JSON.stringify(f)}`);
    // The fault's timer and the run's clock are read in whole ms: 1 ms of rounding either way.
    expect(f.killedAt).toBeGreaterThanOrEqual(3999);
    expect(f.downtime).toBeGreaterThanOrEqual(500);
    expect(f.readyAt - f.killedAt).toBe(f.downtime);
    // The kill landed mid-campaign: some recipients were still to be delivered after it, so the
    // restarted process drained them from the store (else this test would prove nothing).
    const deliveredAtKill = c?.curve.filter(([t]) => t <= (f.killedAt as number) - 100).at(-1)?.[1] ?? 0;
    expect(deliveredAtKill).toBeLessThan(RECIPIENTS);
    expect(c?.drainTime ?? 0).toBeGreaterThan(f.readyAt - 1000);
    // The summary names the fault and its timing.
    const summary = await readFile(join(dir, 'out-sigkill', 'summary.md'), 'utf8');
    expect(summary).toMatch(
      /fault restart-mid-run \| dispatcher instance 1 restarted: SIGKILL at [\d.]+ s, ready again at [\d.]+ s \(down [\d.]+ m?s\)/,
    );
  });
});
