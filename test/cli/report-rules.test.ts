import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Result } from '../../src/core/index.ts';
import { cli } from '../helpers/cli.ts';

let dir: string;
let scenario: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fg-rules-'));
  scenario = join(dir, 'unreachable.yaml');
  await writeFile(
    scenario,
    'name: unreachable\nload:\n  - phases: { target: GET /, stages: [ { duration: 1s, rate: 1 } ] }\nthresholds:\n  http.latency.p95: "< 200ms"\n',
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('an unreachable target', () => {
  it('exits 3 and still writes result.json and junit.xml marked INVALID, and the step summary once', { timeout: 30_000 }, async () => {
    const out = join(dir, 'run');
    const summary = join(dir, 'step-summary.md');
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const run = await cli(['run', scenario, '--target', 'http://127.0.0.1:1', '--out', out], { GITHUB_STEP_SUMMARY: summary });
    expect(run.code).toBe(3);
    expect(run.err).toMatch(/error: http:\/\/127\.0\.0\.1:1 cannot be reached/);
    expect(run.out).toMatch(/^INVALID: the run cannot be trusted: the run could not start: http:\/\/127\.0\.0\.1:1 cannot be reached/);
    const result = Result.parse(JSON.parse(await readFile(join(out, 'result.json'), 'utf8')));
    expect(result.validity.verdict).toBe('INVALID');
    expect(result.verdict).toMatchObject({ status: 'invalid', exitCode: 3 });
    expect(result.meta.target.url).toBe('http://127.0.0.1:1');
    const junit = await readFile(join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(
      /<testcase classname="floodgate.checks" name="run.validity" time="[\d.]+">\s*<failure message="run INVALID: the run could not start/,
    );
    expect(junit).toMatch(/<failure message="http.latency.p95: &lt; 200ms has no value in this result"/);
    // `report` after `run` in the same job: without --step-summary it leaves the summary alone, with it the
    // result already there is not appended again.
    expect(await readFile(summary, 'utf8')).toMatch(/^### ⛔ INVALID: [\s\S]*\n<!-- floodgate summary \S+ \S+ -->\n/);
    const plain = await cli(['report', join(out, 'result.json'), '--format', 'md'], { GITHUB_STEP_SUMMARY: summary });
    expect(plain.code).toBe(0);
    const asked = await cli(['report', join(out, 'result.json'), '--format', 'md', '--step-summary'], { GITHUB_STEP_SUMMARY: summary });
    expect(asked.code).toBe(0);
    const text = await readFile(summary, 'utf8');
    expect(text.match(/^### ⛔ INVALID: /gm)).toHaveLength(1);
  });
});

describe('floodgate report --step-summary', () => {
  it('appends only when asked, once per result', async () => {
    const out = join(dir, 'run');
    const summary = join(dir, 'report-only.md');
    await cli(['report', join(out, 'result.json'), '--format', 'md'], { GITHUB_STEP_SUMMARY: summary });
    await expect(readFile(summary, 'utf8')).rejects.toThrow(/ENOENT/);
    for (let i = 0; i < 2; i++)
      await cli(['report', join(out, 'result.json'), '--format', 'md', '--step-summary'], { GITHUB_STEP_SUMMARY: summary });
    expect((await readFile(summary, 'utf8')).match(/^### /gm)).toHaveLength(1);
  });
});

describe('floodgate plan --strict', () => {
  it('exits 1 when a plan verdict fails, 0 without --strict', async () => {
    const loose = await cli(['plan', 'scenarios/plans/mail-morning.yaml']);
    expect(loose.code).toBe(0);
    const strict = await cli(['plan', 'scenarios/plans/mail-morning.yaml', '--strict', '--json']);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.out).verdict).toBe('fail');
    expect(strict.err).toMatch(/^plan --strict: \d+ verdict\(s\) FAIL: .*budget/);
  });

  it('exits 0 with --strict when no verdict fails, and 4 on bad input', async () => {
    const file = join(dir, 'ok-plan.yaml');
    await writeFile(file, 'name: ok\naudience: { subscribers: 1000, dau: 200 }\n');
    const ok = await cli(['plan', file, '--strict', '--json']);
    expect(JSON.parse(ok.out).verdict).not.toBe('fail');
    expect(ok.code).toBe(0);
    const bad = await cli(['plan', join(dir, 'missing.yaml'), '--strict']);
    expect(bad.code).toBe(4);
  });
});

describe('colour', () => {
  it('colours the verdict with FORCE_COLOR even when piped, never with NO_COLOR alone, and not by default when piped', async () => {
    const args = ['run', scenario, '--target', 'http://127.0.0.1:1', '--out', join(dir, 'colour')];
    expect((await cli(args, { FORCE_COLOR: '1' })).out).toMatch(/^\x1b\[1m\x1b\[35mINVALID: /);
    expect((await cli(args, {})).out).not.toContain('\x1b[');
    expect((await cli(args, { NO_COLOR: '1' })).out).not.toContain('\x1b[');
    const gate = ['gate', join(dir, 'colour', 'result.json')];
    expect((await cli(gate, { FORCE_COLOR: '1' })).out).toMatch(/^\x1b\[1m\x1b\[35mINVALID: /);
    expect((await cli(gate, {})).out).toMatch(/^INVALID: /);
  });
});
