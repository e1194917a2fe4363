import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

let dir: string;
let busy: Server;
let busyPort: number;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fg-bad-input-'));
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => busy.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const HEAD = 'name: a\nload:\n  - phases:\n      target: GET /\n      stages: [ { duration: 1s, rate: 1 } ]\n';
let n = 0;
function scenario(text: string): string {
  const file = join(dir, `s${++n}.yaml`);
  writeFileSync(file, text);
  return file;
}
/** Runs a scenario that must be refused before anything starts (the target is never contacted). */
const run = (file: string) => cli(['run', file, '--target', 'http://127.0.0.1:9']);

/** Bad input is one clear message: exit 4, no stack trace, no "internal error". */
function expectBadInput(result: { code: number; err: string }) {
  expect(result.code).toBe(4);
  expect(result.err).not.toMatch(/internal error|defect|\n\s+at \S+ \(/);
}

describe('scenario files', () => {
  it('refuses a file above 4 MiB at once, saying so', async () => {
    const file = scenario(`${HEAD}seed: "${'x'.repeat(5 * 1024 * 1024)}"\n`);
    const result = await run(file);
    expectBadInput(result);
    expect(result.err).toBe(
      `error: ${file}: the file is 5 MiB; YAML files are limited to 4 MiB (keep recipient lists and large bodies out of it)\n` +
        `  ${file}:1:1 the file is 5 MiB; YAML files are limited to 4 MiB (keep recipient lists and large bodies out of it)\n`,
    );
  });

  it('still reports a duplicate key with its position (checked in one pass, not by yaml)', async () => {
    const file = scenario(`${HEAD}maxInFlight: 10\nmaxInFlight: 20\n`);
    const result = await run(file);
    expectBadInput(result);
    expect(result.err).toContain(`${file}:7:1 maxInFlight: Map keys must be unique`);
  });

  it('names a __proto__ provider instead of dropping it and passing', async () => {
    const file = scenario(`${HEAD}system:\n  providers:\n    __proto__: { kind: alimtalk }\n`);
    const result = await run(file);
    expectBadInput(result);
    expect(result.err).toContain(
      `${file}:8:5 system.providers.__proto__: \`__proto__\` is not allowed as a key (a reserved JavaScript name)`,
    );
  });

  it('shortens a 1 MB value to 200 characters with its full length', async () => {
    const file = scenario(`${HEAD}timeouts: { request: "${'y'.repeat(1024 * 1024)}" }\n`);
    const result = await run(file);
    expectBadInput(result);
    expect(result.err).toContain(`${file}:6:22 timeouts.request: "${'y'.repeat(200)}… (1,048,576 chars)" is not a duration`);
    expect(result.err.length).toBeLessThan(2000);
  });

  it('says an empty file is empty, at line 1', async () => {
    const file = scenario('# nothing here yet\n');
    const result = await run(file);
    expectBadInput(result);
    expect(result.err).toBe(`error: ${file}: the file is empty\n  ${file}:1:1 the file is empty\n`);
  });

  it('names the bad latency value, and never suggests a key for itself', async () => {
    const file = scenario(`${HEAD}system:\n  providers:\n    alimtalk: { kind: alimtalk, latency: { median: abc, p99: 1s } }\n`);
    const result = await run(file);
    expectBadInput(result);
    expect(result.err).toContain(
      `${file}:8:52 system.providers.alimtalk.latency.median: "abc" is not a duration; write e.g. 200ms, 50s, 30m, 1h30m`,
    );
    expect(result.err).not.toMatch(/unknown key `median`|did you mean `median`/);
  });

  it('lists an invalid plan’s problems with the plan file’s positions', async () => {
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, 'name: p\ntraffic: { responseTime: 200 parsecs, peakConections: 3 }\n');
    const file = scenario(
      `name: a\nload:\n  - phases:\n      target: GET /\n      stages: [ { duration: 1s, rate: { plan: ${plan}, value: targetTps } } ]\n`,
    );
    const result = await run(file);
    expectBadInput(result);
    const lines = result.err.trimEnd().split('\n');
    expect(lines[0]).toBe(`error: ${file}: 3 problems`);
    expect(lines[1]).toMatch(new RegExp(`^  ${file}:5:\\d+ load\\[0\\]\\.phases\\.stages\\[0\\]\\.rate: cannot take \`targetTps\` from `));
    expect(lines.slice(2)).toEqual([
      `  ${plan}:2:26 traffic.responseTime: "200 parsecs" is not a duration; write e.g. 200ms, 50s, 30m, 1h30m`,
      `  ${plan}:2:39 traffic.peakConections: unknown key \`peakConections\` (known keys: basis, connections, responseTime, thinkTime, visits)`,
    ]);
  });

  it('refuses a target port out of range (99999) as bad input', async () => {
    const result = await cli(['run', scenario(HEAD), '--target', 'http://127.0.0.1:99999']);
    expectBadInput(result);
    expect(result.err).toContain('--target must be an http(s) URL, got "http://127.0.0.1:99999"');
  });
});

describe('servers: a busy port or a bad --db is bad input naming it (exit 4), not an internal error', () => {
  it('floodgate dispatcher on a busy port', async () => {
    const result = await cli(['dispatcher', '--port', String(busyPort), '--db', join(dir, 'busy.db')]);
    expectBadInput(result);
    expect(result.err).toContain(`error: floodgate dispatcher: port ${busyPort} on 127.0.0.1 is already in use (EADDRINUSE)`);
  });

  it('floodgate mock on a busy port', async () => {
    const result = await cli(['mock', '--port', String(busyPort)]);
    expectBadInput(result);
    expect(result.err).toContain(`error: floodgate mock: port ${busyPort} on 127.0.0.1 is already in use (EADDRINUSE)`);
  });

  it.each([
    ['a directory', () => dir, 'it is a directory (EISDIR); name a file'],
    ['a missing directory', () => join(dir, 'missing', 'x.db'), `its directory ${join('<dir>', 'missing')} does not exist (ENOENT)`],
    [
      'a file that is not SQLite',
      () => {
        const file = join(dir, 'notes.txt');
        writeFileSync(file, 'these are my notes, not a database\n'.repeat(20));
        return file;
      },
      'the file exists but is not an SQLite database (SQLITE_NOTADB)',
    ],
  ])('floodgate dispatcher --db naming %s', async (_what, db, reason) => {
    mkdirSync(dir, { recursive: true });
    const file = db();
    const result = await cli(['dispatcher', '--port', '0', '--db', file]);
    expectBadInput(result);
    expect(result.err).toContain(`error: database ${file}: ${reason.replace('<dir>', dir)}`);
  });
});

describe('output folders: one that cannot be written is refused before any load, not after it (exit 4)', () => {
  // Before, the whole run went first and then died on mkdir: exit 5 "a defect in floodgate" and
  // the result lost (--out naming a file), or no end at all (--out under /proc, where Node's
  // recursive mkdir never returns). The target is port 9: reaching it at all would be exit 3.
  const quickRun = (out: string) => cli(['run', scenario(HEAD), '--target', 'http://127.0.0.1:9', '--out', out]);

  it('--out naming a file', async () => {
    const file = join(dir, 'result-here.json');
    writeFileSync(file, '{}\n');
    const result = await quickRun(file);
    expectBadInput(result);
    expect(result.err).toContain(`floodgate run --out ${file}: cannot write into ${file}: it is a file, not a folder`);
  });

  it('--out inside a file', async () => {
    const file = join(dir, 'plain.txt');
    writeFileSync(file, 'x\n');
    const result = await quickRun(join(file, 'sub'));
    expectBadInput(result);
    expect(result.err).toContain(`cannot write into ${join(file, 'sub')}: ${file} is a file, not a folder`);
  });

  it.runIf(process.platform === 'linux')('--out under /proc, which Node could never create: refused at once', async () => {
    const result = await quickRun('/proc/floodgate-nope/run');
    expectBadInput(result);
    expect(result.err).toContain(
      'floodgate run --out /proc/floodgate-nope/run: cannot write into /proc/floodgate-nope/run: it cannot be created there (ENOENT)',
    );
  });

  it('creates the missing folders of a good --out, and plan --out naming a file is exit 4 too', async () => {
    const nested = join(dir, 'a', 'b', 'c');
    const plan = join(process.cwd(), 'scenarios', 'plans', 'mail-morning.yaml');
    const ok = await cli(['plan', plan, '--out', nested]);
    expect(ok.code, ok.err).toBe(0);
    const bad = await cli(['plan', plan, '--out', join(nested, 'plan.json')]);
    expectBadInput(bad);
    expect(bad.err).toContain(`floodgate plan --out ${join(nested, 'plan.json')}: cannot write into`);
    expect(bad.err).toContain('it is a file, not a folder');
  });
});
