import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Result } from '../../src/core/index.ts';
import { cli } from '../helpers/cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fg-phase-track-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Sign-up confirmations sent through an HTTP phase (`POST /v1/messages`, one `{{tracked}}`
 * recipient a request) against the embedded reference dispatcher and an SES mock, tracked to
 * delivery through the mock's feed. `faults` go to the mock: `unreported` answers 200 and never
 * delivers (a mail lost after the provider took it), a 400 is a confirmation the provider refused.
 */
function scenario(name: string, faults: string, quota = 100000, within = '15s'): string {
  return `name: ${name}
system:
  dispatcher: embedded
  providers:
    tx: { kind: ses, tps: 200, quota: ${quota}${faults} }
load:
  - phases:
      name: signup
      track: { provider: tx, pattern: "new-{n}@subscriber.test", within: ${within} }
      templates:
        - name: subscribe
          method: POST
          path: /v1/messages
          headers: { authorization: "Bearer {{token}}" }
          body: { channel: email, provider: tx, to: "{{tracked}}", template: subscribed }
        - name: list
          method: GET
          path: /healthz
      stages: [{ duration: 3s, rate: 40 }]
# Delivery tracking is under test here, not the generator's timing on a shared, loaded machine.
tolerances: { lagDegraded: 2s, lagInvalid: 20s, eventLoopLag: 20s, loopBusy: 100% }
thresholds:
  phase.signup.lost: "== 0"
  phase.signup.duplicated: "== 0"
  phase.signup.latency.p95: "< 10s"
`;
}

async function run(name: string, faults = '', quota?: number, within?: string) {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, scenario(name, faults, quota, within));
  const out = join(dir, name);
  const { code, out: text, err } = await cli(['run', file, '--out', out]);
  const result = Result.parse(JSON.parse(await readFile(join(out, 'result.json'), 'utf8')));
  return { code, text: `${text}${err}`, result };
}

describe('an HTTP phase tracked to delivery', () => {
  it('PASSes with every accepted confirmation delivered once, and says so', { timeout: 120_000 }, async () => {
    const { code, text, result } = await run('tracked-ok');
    const phase = result.phases?.[0];
    // Half the requests (one template of two) are confirmations: about 60 in 3 s at 40/s.
    expect(phase?.sent).toBeGreaterThan(30);
    expect(phase).toMatchObject({ name: 'signup', provider: 'tx', refused: 0, unanswered: 0, lost: 0, duplicated: 0 });
    expect(phase?.accepted).toBe(phase?.sent);
    expect(phase?.delivered).toBe(phase?.sent);
    expect(phase?.latency.p50).toBeGreaterThanOrEqual(0);
    expect(phase?.latency.max).toBeGreaterThan(0);
    expect(result.providers.tx?.delivered).toBe(phase?.sent);
    expect(text).toMatch(/phase\.signup\.lost: phase signup: all \d+ accepted message\(s\) were delivered by tx/);
    expect(code).toBe(0);
  });

  it('FAILs counting the confirmations the provider lost or refused, not inferring them', { timeout: 120_000 }, async () => {
    // new-0..new-4 are taken and never delivered; new-10..new-14 are refused with a 400 (failed for good).
    const faults = `, faults: [{ action: unreported, recipient: "^new-[0-4]@" }, { action: status, status: 400, recipient: "^new-1[0-4]@" }]`;
    const { code, text, result } = await run('tracked-lossy', faults);
    const phase = result.phases?.[0];
    expect(phase?.sent).toBeGreaterThan(30);
    // The dispatcher accepted all of them (202); the provider then lost 5 and refused 5.
    expect(phase).toMatchObject({ refused: 0, lost: 10, duplicated: 0 });
    expect(phase?.delivered).toBe((phase?.sent ?? 0) - 10);
    expect(result.thresholds.find((t) => t.metric === 'phase.signup.lost')).toMatchObject({ ok: false, actual: 10 });
    expect(text).toMatch(/phase signup: 10 of \d+ accepted message\(s\) to tx were never delivered/);
    expect(result.verdict.status).toBe('fail');
    expect(code).toBe(1);
  });

  it('over a 24-hour quota: the dispatcher pauses (SES refuses nothing) and the check counts what was not delivered', {
    timeout: 120_000,
  }, async () => {
    const { code, text, result } = await run('tracked-quota', '', 20, '2s');
    const phase = result.phases?.[0];
    expect(phase?.sent).toBeGreaterThan(30);
    expect(phase).toMatchObject({ accepted: phase?.sent, delivered: 20, duplicated: 0 });
    expect(phase?.lost).toBe((phase?.sent ?? 0) - 20);
    expect(result.providers.tx).toMatchObject({ admitted: 20, rejected: 0 });
    expect(text).toMatch(
      new RegExp(`phase signup: ${(phase?.sent ?? 0) - 20} of ${phase?.sent} accepted message\\(s\\) to tx were never delivered`),
    );
    expect(code).toBe(1);
  });

  it('refuses {{tracked}} without track, and track without {{tracked}}, naming the step', { timeout: 30_000 }, async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      `name: bad
system: { dispatcher: embedded, providers: { tx: { kind: ses } } }
load:
  - phases:
      name: a
      target: POST /v1/messages
      body: { to: "{{tracked}}" }
      stages: [{ duration: 1s, rate: 1 }]
  - phases:
      name: b
      track: { provider: tx }
      target: GET /healthz
      stages: [{ duration: 1s, rate: 1 }]
thresholds:
  phase.c.lost: "== 0"
`,
    );
    const { code, err } = await cli(['run', file]);
    expect(code).toBe(4);
    expect(err).toMatch(/\{\{tracked\}\} needs `track` on its phase/);
    expect(err).toMatch(/a tracked phase needs a request that uses \{\{tracked\}\}/);
    expect(err).toMatch(/no phase named `c`/);
  });
});
