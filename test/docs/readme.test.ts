import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.ts';
import { ExitCode } from '../../src/core/index.ts';
import { cli } from '../helpers/cli.ts';

const readme = readFileSync('README.md', 'utf8');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };

/** Fenced code blocks: their language and lines. */
const blocks = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1] ?? '', lines: (m[2] ?? '').split('\n') }));

/**
 * Every `floodgate <command> ...` the README shows: in shell blocks (up to a `#` comment), in
 * YAML `run:` lines, in inline code, and in table rows (whose other cells list that command's
 * options). Each is the command name and the --flags used with it.
 */
function invocations(): { where: string; command: string; sub: string | undefined; flags: string[] }[] {
  const found: { where: string; command: string; sub: string | undefined; flags: string[] }[] = [];
  const add = (where: string, text: string, extraFlags: string[] = []) => {
    const m = /floodgate ([a-z][a-z0-9-]*)(?: ([a-z0-9]+)\b)?/.exec(text);
    if (!m?.[1]) return;
    const flags = [...text.matchAll(/(?<![\w-])(--[a-z][a-z-]*)/g)].map((f) => f[1] as string);
    found.push({ where, command: m[1], sub: m[2], flags: [...new Set([...flags, ...extraFlags])] });
  };
  for (const b of blocks) {
    for (const line of b.lines) {
      if (!line.includes('floodgate ')) continue;
      const code = b.lang === 'yaml' ? line.replace(/^.*?run:\s*/, '') : line;
      add(line.trim(), code.replace(/\s#.*$/, ''));
    }
  }
  for (const row of readme.split('\n').filter((l) => l.startsWith('| `floodgate '))) {
    const [first, ...rest] = row.split(' | ');
    add(row.slice(0, 60), first ?? '', rest.join(' ').match(/--[a-z][a-z-]*/g) ?? []);
  }
  for (const m of readme.matchAll(/`((?:npx )?floodgate [^`]+)`/g)) add(m[1] as string, m[1] as string);
  return found;
}

const helps = new Map<string, string>();
async function help(command: string): Promise<string> {
  if (!helps.has(command)) {
    const r = await cli([command, '--help']);
    helps.set(command, r.out + r.err);
  }
  return helps.get(command) as string;
}

describe('README.md', () => {
  it('opens with exactly the two commands a newcomer types', () => {
    const first = blocks[0];
    expect(first?.lang).toBe('sh');
    expect(first?.lines.filter((l) => l.trim() !== '')).toEqual(['npm ci && npx floodgate run scenarios/quickstart.yaml', 'npm test']);
    expect(readme.indexOf('```sh')).toBeLessThan(readme.indexOf('## '));
  });

  it('shows every command, and only flags that exist (checked against each --help)', async () => {
    const all = invocations();
    expect(all.length).toBeGreaterThan(20);
    const names = new Set(COMMANDS.map((c) => c.name));
    for (const cmd of names)
      expect(
        all.some((i) => i.command === cmd),
        `README shows floodgate ${cmd}`,
      ).toBe(true);
    for (const i of all) {
      expect(names.has(i.command), `${i.where}: no command ${i.command}`).toBe(true);
      const text = await help(i.command);
      if (i.command === 'export' || i.command === 'import') expect(i.sub, i.where).toBe('k6');
      if (i.command === 'fit') expect(i.sub, i.where).toBe('usl');
      for (const flag of i.flags) expect(text, `${i.where}: floodgate ${i.command} has no ${flag}`).toMatch(new RegExp(`${flag}\\b`));
    }
  });

  it('names only files, scenarios and npm scripts that exist', () => {
    for (const m of readme.matchAll(
      /(?<![\w/-])((?:scenarios|deploy|docs|scripts|examples|mock-providers|dispatcher)\/[\w./-]+\.(?:yaml|yml|sh|png|ts|md))\b/g,
    )) {
      expect(existsSync(m[1] as string), m[1]).toBe(true);
    }
    for (const m of readme.matchAll(/npm run ([\w:-]+)/g)) expect(pkg.scripts[m[1] as string], m[0]).toBeDefined();
    for (const script of Object.keys(pkg.scripts).filter((k) => k.startsWith('bench:')))
      expect(readme, script).toContain(`npm run ${script}`);
    expect(readme).toContain('](docs/report.png)');
  });

  it('documents the exit codes as the code defines them', () => {
    const table = Object.fromEntries([...readme.matchAll(/^\|\s*([0-5])\s*\|\s*(.+?)\s*\|$/gm)].map((m) => [Number(m[1]), m[2] as string]));
    expect(Object.keys(table).map(Number)).toEqual([0, 1, 2, 3, 4, 5]);
    expect([ExitCode.Pass, ExitCode.ThresholdsFailed, ExitCode.Regression, ExitCode.RunInvalid]).toEqual([0, 1, 2, 3]);
    expect(table[ExitCode.ThresholdsFailed]).toMatch(/threshold/);
    expect(table[ExitCode.Regression]).toMatch(/regression/);
    expect(table[ExitCode.RunInvalid]).toMatch(/invalid/);
    expect(table[4]).toMatch(/bad input/);
  });
});
