import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DispatcherProcess,
  E2E_TOKEN,
  judge,
  type MocksProcess,
  runAgainst,
  startMocksProcess,
  startNodeServer,
  startReferenceDispatcher,
  stopAll,
} from '../helpers/e2e-system.ts';

/**
 * Issue 11's isolation proof: sign-up codes (`POST /v1/messages`, transactional, p95 < 500 ms)
 * alone for 3 s, then while a 1,000-recipient campaign drains at 150-180/s. A dispatcher with one
 * FIFO queue for both (test/fixtures/tx-behind-campaign) answers a code only after the recipients
 * queued before it: `isolation.otp` FAILs. The reference dispatcher queues a message on its own and
 * answers at once: it PASSes. Each dispatcher in its own process, against the Alimtalk mock in
 * its own process.
 */

let mocks: MocksProcess | undefined;
let dir = '';
let scenario = '';

beforeAll(async () => {
  mocks = await startMocksProcess({ providers: { alimtalk: { kind: 'alimtalk', tps: 200 } } });
  dir = await mkdtemp(join(tmpdir(), 'fg-isolation-'));
  scenario = join(dir, 'isolation.yaml');
  await writeFile(
    scenario,
    [
      'name: isolation',
      'system:',
      `  token: ${E2E_TOKEN}`,
      `  providers: { alimtalk: { kind: alimtalk, url: "${mocks.origin}" } }`,
      'load:',
      '  - campaign: { name: bulk, channel: alimtalk, provider: alimtalk, recipients: 1000, template: welcome, params: { name: Kim }, poll: 500ms, deadline: 20s, delay: 3s }',
      '  - phases:',
      '      name: otp',
      '      transactional: { budget: { p95: 500ms }, ratio: 50 }',
      '      target: POST /v1/messages',
      '      headers: { authorization: "Bearer {{token}}", content-type: application/json }',
      '      body: { channel: alimtalk, provider: alimtalk, to: "otp-{{uuid}}", template: welcome, params: { name: Kim } }',
      '      stages: [ { duration: 8s, rate: 10 } ]',
      'timeouts: { campaign: 30s }',
      // A 10/s phase's p99 lag is its worst arrival; this shared machine stalls now and then.
      'tolerances: { lagInvalid: 250ms }',
      '',
    ].join('\n'),
  );
}, 30_000);

afterAll(async () => {
  await stopAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the scenario against a fresh dispatcher process; an INVALID run (this shared machine stalled the generator) is run once more. */
async function isolationOf(start: () => Promise<DispatcherProcess>, name: string) {
  for (let attempt = 1; ; attempt++) {
    const dispatcher = await start();
    try {
      await mocks?.reset('alimtalk');
      const run = await runAgainst(scenario, dispatcher.url, join(dir, `${name}-${attempt}`));
      if (run.code === 3 && attempt < 2) continue;
      expect([0, 1, 3], `${run.out}${run.err}`).toContain(run.code);
      const j = await judge(run.resultPath);
      return { check: j.verdict.checks.find((c) => c.id === 'isolation.otp'), judgement: j };
    } finally {
      await dispatcher.stop();
    }
  }
}

describe('isolation.<phase>', () => {
  it('FAILs a dispatcher that serves transactional sends behind the campaign queue', { timeout: 90_000 }, async () => {
    const mock = mocks?.urls.alimtalk as string;
    const { check, judgement } = await isolationOf(
      () => startNodeServer('test/fixtures/tx-behind-campaign/main.ts', ['--target', mock, '--tps', '150']),
      'bad',
    );
    expect(check?.status, check?.message).toBe('fail');
    expect(check?.message).toMatch(
      /the campaign pushed the transactional phase out of its budget: p95 \d+(\.\d)?ms during the campaign > 500ms/,
    );
    expect(judgement.code).not.toBe(0);
  });

  it('PASSes the reference dispatcher', { timeout: 90_000 }, async () => {
    const { check, judgement } = await isolationOf(() => startReferenceDispatcher(dir, mocks?.urls.alimtalk as string, 180), 'reference');
    expect(check?.status, check?.message).toBe('pass');
    expect(judgement.verdict.checks.filter((c) => c.status === 'fail').map((c) => c.message)).toEqual([]);
    expect(check?.message).toMatch(/^otp: p95 .* alone, .* while a campaign drained/);
  });
});
