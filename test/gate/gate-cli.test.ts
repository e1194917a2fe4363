import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src/core/index.ts';
import { cli } from '../helpers/cli.ts';
import { makeResult, provider } from '../helpers/result-fixture.ts';
import { buildSampleResult } from '../helpers/result-sample.ts';

let dir: string;
const file = (name: string) => join(dir, name);
const write = (name: string, value: unknown) => writeFile(file(name), typeof value === 'string' ? value : JSON.stringify(value, null, 2));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floodgate-gate-'));
  const sample = (seed: string, extra = {}) => buildSampleResult({ seconds: 60, seed, samplesPerSecond: 30, ...extra });
  await write('base.json', sample('base'));
  await write('same.json', sample('same'));
  await write('slow.json', sample('slow', { latencyShiftMs: 50 }));
  await write('other.json', sample('other', { scenarioHash: 'sha256:another' }));
  await write('dups.json', makeResult({ providers: { alimtalk: provider({ duplicates: 180, duplicateDeliveries: 18_000 }) } }));
  await write('invalid.json', makeResult({ validity: { verdict: 'INVALID', reasons: ['generator saturated: event-loop lag p99 250ms'] } }));
  await write('newer.json', { ...makeResult(), schemaVersion: 2 });
  const full = JSON.stringify(makeResult(), null, 2);
  await write('truncated.json', full.slice(0, Math.floor(full.length / 2)));
  await write('garbage.json', '{"schemaVersion": 1, "meta": nope}');
  await write('comma.json', '{\n  "meta": 1,, "x": 2}');
  await write('wrong-shape.json', { ...makeResult(), timeline: 'none' });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('floodgate gate', () => {
  it.each([
    ['a clean run', ['same.json'], 0, /^PASS: /],
    ['an A/A comparison', ['same.json', '--baseline', 'base.json'], 0, /^PASS: .*no regression against .*base\.json/],
    ['duplicates', ['dups.json'], 1, /^FAIL: 1 of 4 correctness checks failed: alimtalk: 180 recipient/],
    ['a 50 ms slower run', ['slow.json', '--baseline', 'base.json'], 2, /^REGRESSION against .*base\.json: latency p95\/s \+/],
    ['a noise threshold above the shift', ['slow.json', '--baseline', 'base.json', '--noise', '500%'], 0, /^PASS: /],
    ['an invalid run', ['invalid.json'], 3, /^INVALID: the run cannot be trusted: generator saturated/],
  ])('%s', async (_name, args, code, headline) => {
    const argv = ['gate', ...args.map((a) => (a.endsWith('.json') ? file(a) : a))];
    const r = await cli(argv);
    expect(r.err).toBe('');
    expect(r.out.split('\n')[0]).toMatch(headline);
    expect(r.code).toBe(code);
  });

  it.each([
    [
      'a newer schemaVersion',
      ['newer.json'],
      /newer\.json: result schemaVersion 2 is newer than this floodgate reads \(1\); upgrade floodgate/,
    ],
    ['a truncated JSON', ['truncated.json'], /truncated\.json:\d+:\d+: the JSON ends early \(truncated file\?\)/],
    ['a JSON syntax error', ['garbage.json'], /garbage\.json: invalid JSON: Unexpected token/],
    ['a misplaced comma', ['comma.json'], /comma\.json:2:13: invalid JSON: Expected double-quoted property name/],
    ['a result of the wrong shape', ['wrong-shape.json'], /wrong-shape\.json: does not match the result schema v1\n {2}.*timeline/],
    [
      'a baseline from another scenario',
      ['same.json', '--baseline', 'other.json'],
      /other\.json is from another scenario \(alimtalk-420k, hash sha256:another\)/,
    ],
    ['a missing file', ['missing.json'], /missing\.json: cannot read \(ENOENT\)/],
    ['a bad --noise', ['same.json', '--noise', 'lots'], /--noise expects a percentage/],
    ['a bad --alpha', ['same.json', '--alpha', '5'], /--alpha expects a number between 0 and 1/],
  ])('refuses %s with exit 4, a clear message and no stack trace', async (_name, args, message) => {
    const r = await cli(['gate', ...args.map((a) => (a.endsWith('.json') ? file(a) : a))]);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('the truncated-JSON message points at the end of the file', async () => {
    const text = await readFile(file('truncated.json'), 'utf8');
    const lines = text.split('\n');
    const r = await cli(['gate', file('truncated.json')]);
    expect(r.err).toContain(`truncated.json:${lines.length}:${(lines.at(-1) as string).length + 1}:`);
  });

  it('writes JUnit XML with --junit', async () => {
    const r = await cli(['gate', file('dups.json'), '--junit', file('out/junit.xml')]);
    expect(r.code).toBe(1);
    const xml = await readFile(file('out/junit.xml'), 'utf8');
    expect(xml).toContain(
      '<testcase classname="floodgate.checks" name="provider.alimtalk.duplicates" time="21.000">\n      <failure message="alimtalk: 180',
    );
  });

  it('keeps result files valid JSON for the schema (fixture sanity)', async () => {
    const parsed = JSON.parse(await readFile(file('base.json'), 'utf8')) as Result;
    expect(parsed.timeline).toHaveLength(60);
  });
});
