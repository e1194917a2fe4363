import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { buildSampleResult } from '../helpers/result-sample.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floodgate-report-'));
  await writeFile(join(dir, 'result.json'), JSON.stringify(buildSampleResult({ seconds: 30, seed: 'cli', samplesPerSecond: 10 })));
  await writeFile(join(dir, 'base.json'), JSON.stringify(buildSampleResult({ seconds: 30, seed: 'cli-base', samplesPerSecond: 10 })));
  await writeFile(
    join(dir, 'other.json'),
    JSON.stringify(buildSampleResult({ seconds: 30, seed: 'x', samplesPerSecond: 10, scenarioHash: 'sha256:x' })),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('floodgate report', () => {
  it('writes every format next to the result and prints the paths', async () => {
    const r = await cli(['report', join(dir, 'result.json')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toEqual(['report.html', 'summary.md', 'junit.xml', 'summary.json'].map((f) => join(dir, f)));
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
    expect(await readFile(join(dir, 'summary.md'), 'utf8')).toMatch(/^### ✅ PASS: /);
  });

  it('writes the formats asked for into --out, with a baseline, and appends to $GITHUB_STEP_SUMMARY when asked', async () => {
    const summary = join(dir, 'step-summary.md');
    await writeFile(summary, '# earlier step\n');
    const r = await cli(
      [
        'report',
        join(dir, 'result.json'),
        '--format',
        'md,junit',
        '--out',
        join(dir, 'out'),
        '--baseline',
        join(dir, 'base.json'),
        '--step-summary',
      ],
      {
        GITHUB_STEP_SUMMARY: summary,
      },
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain(join(dir, 'out', 'summary.md'));
    expect(r.out).not.toContain('report.html');
    const md = await readFile(join(dir, 'out', 'summary.md'), 'utf8');
    expect(md).toContain('#### Against ');
    expect(await readFile(summary, 'utf8')).toMatch(/^# earlier step\n### /);
    expect(await readFile(summary, 'utf8')).toContain(`${md}<!-- floodgate summary sha256:`);
  });

  it.each([
    [['--format', 'pdf'], /unknown --format "pdf"/],
    [['--baseline', 'other.json'], /other\.json is from another scenario/],
    [['--bogus'], /floodgate report: unknown option --bogus \(see floodgate report --help\)/],
    [['--fromat', 'md'], /floodgate report: unknown option --fromat \(did you mean --format\?\)/],
    [['--format'], /floodgate report: --format needs a value/],
    [['--noise', '-1'], /floodgate report: --noise is followed by a value that starts with "-"; write it as --noise=<value>/],
  ])('refuses %j with exit 4', async (args, message) => {
    const r = await cli(['report', join(dir, 'result.json'), ...args.map((a) => (a.endsWith('.json') ? join(dir, a) : a))]);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(message);
  });

  it('needs a result file', async () => {
    const r = await cli(['report']);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/give a result file/);
  });
});
