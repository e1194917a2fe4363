import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFloodgateCli } from '../helpers/floodgate-run.ts';
import { type MockCli, startMockCli, stopAllOwn } from '../helpers/own-dispatcher.ts';

/**
 * A team's own dispatcher that floodgate starts (`system.dispatcher: { url, command }`) and a
 * `fault` step restarts: test/fixtures/restart-dispatcher keeps its queue only in memory, so the
 * SIGKILL 2 s into a 600-recipient campaign at 100/s forgets everyone not yet sent. floodgate must
 * FAIL the run (exit 1) on `campaign.spring.lost`, name lost recipients, and record the restart;
 * the dispatcher answered again after it (floodgate started it a second time).
 */

const DISPATCHER = fileURLToPath(new URL('../fixtures/restart-dispatcher/dispatcher.py', import.meta.url));
const RECIPIENTS = 600;
let dir = '';
let mock: MockCli;

/** A port free right now on 127.0.0.1, for the dispatcher's fixed `url`. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fg-restart-own-'));
  mock = await startMockCli(dir);
}, 40_000);

afterAll(async () => {
  await stopAllOwn();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('floodgate run: system.dispatcher.command and a restart fault on a dispatcher that queues in memory', () => {
  /** Runs the in-memory dispatcher under floodgate with a SIGKILL 2 s in; `alimtalk` is the broker URL its command gets. */
  async function runRestart(name: string, alimtalk: string, args: string[]) {
    const port = await freePort();
    const file = join(dir, `${name}.yaml`);
    await writeFile(
      file,
      [
        `name: ${name}`,
        'system:',
        '  dispatcher:',
        `    url: http://127.0.0.1:${port}`,
        `    command: [/usr/bin/python3, "${DISPATCHER}", --port, "${port}", --alimtalk, "${alimtalk}", --tps, "100"]`,
        '  providers:',
        '    alimtalk: { kind: alimtalk, tps: 200 }',
        'load:',
        `  - campaign: { name: spring, channel: alimtalk, recipients: ${RECIPIENTS}, template: welcome, params: { name: m }, deadline: 12s }`,
        '  - fault: { name: restart-mid-run, restart: dispatcher, delay: 2s }',
        'thresholds:',
        '  campaign.spring.lost: "== 0"',
        '',
      ].join('\n'),
    );
    const run = await runFloodgateCli(file, join(dir, `out-${name}`), args);
    const said = `exit ${run.code}\n${run.out}\n${run.err}`;
    expect(run.code, said).toBe(1);
    expect(run.out).toMatch(/^FAIL/);
    // The check names whom: the campaign's recipient ids, as the scenario's pattern makes them.
    expect(run.out).toMatch(
      /FAIL campaign\.spring\.lost: campaign spring: \d+ of 600 accepted recipient\(s\) never received the message: spring-\d+, spring-\d+/,
    );
    const c = run.result?.campaigns[0];
    // Some were sent before the kill (the dispatcher worked), the rest forgotten with its memory.
    expect(c?.lost, said).toBeGreaterThan(0);
    expect(c?.lost, said).toBeLessThan(RECIPIENTS);
    expect(c?.lostSample?.length).toBe(10);
    const f = run.result?.faults?.[0];
    expect(f).toMatchObject({ name: 'restart-mid-run', signal: 'SIGKILL', error: null });
    expect(f?.downtime).toBeGreaterThan(0);
  }

  it('FAILs with the lost recipients named, and records the restart (long-lived mock, --mocks)', { timeout: 120_000 }, async () => {
    await runRestart('restart-memory-queue', mock.alimtalk, ['--mocks', mock.origin]);
  });

  it("the same with floodgate's own mocks, their URL given to the command as {{mocks}}", { timeout: 120_000 }, async () => {
    await runRestart('restart-memory-queue-embedded-mocks', '{{mocks}}/alimtalk', []);
  });

  it('--target with a restart fault is a load-time error naming the step and system.dispatcher.command', async () => {
    const file = join(dir, 'target.yaml');
    await writeFile(
      file,
      [
        'name: restart-target',
        'system:',
        '  providers:',
        '    alimtalk: { kind: alimtalk, tps: 200 }',
        'load:',
        '  - campaign: { name: spring, channel: alimtalk, recipients: 10, template: welcome }',
        '  - fault: { restart: dispatcher, delay: 1s }',
        '',
      ].join('\n'),
    );
    const run = await runFloodgateCli(file, join(dir, 'out-target'), ['--target', 'http://127.0.0.1:9', '--mocks', mock.origin], 30_000);
    expect(run.code, `${run.out}\n${run.err}`).toBe(4);
    expect(run.err).toMatch(/target\.yaml:7:\d+.*restart.*system\.dispatcher: \{ url, command/);
    expect(run.err).not.toMatch(/\n\s+at /);
  });
});
