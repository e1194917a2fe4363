import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * ARCHITECTURE.md's import direction, as data: each area and the project areas it may import.
 * core <- config <- {planner, stats} <- {runner, report, gate, export} <- cli; mocks and the
 * dispatcher see only core and never each other. Nothing imports cli.
 */
const ALLOWED: Record<string, readonly string[]> = {
  'src/core': [],
  'src/config': ['src/core'],
  'src/planner': ['src/core', 'src/config'],
  'src/stats': ['src/core'],
  // The planner's USL fit and plan values reach the runner by injection (src/cli/run/wiring.ts).
  'src/runner': ['src/core', 'src/config', 'src/stats'],
  // Reports render the gate's verdict and comparison, and the planner's PlanReport (plan.md/html):
  // both sit below report in the direction, so no cycle can form.
  'src/report': ['src/core', 'src/stats', 'src/gate', 'src/planner'],
  'src/gate': ['src/core', 'src/stats'],
  // export merges k6 pods' latency samples with the stats histogram (stats sits below export).
  'src/export': ['src/core', 'src/config', 'src/gate', 'src/stats'],
  'src/cli': [
    'src/core',
    'src/config',
    'src/planner',
    'src/stats',
    'src/runner',
    'src/report',
    'src/gate',
    'src/export',
    'mock-providers',
    'dispatcher',
  ],
  'mock-providers': ['src/core'],
  dispatcher: ['src/core'],
};

const ROOT = resolve(import.meta.dirname, '../..');

function areaOf(file: string): string | undefined {
  const rel = relative(ROOT, file).split('\\').join('/');
  return Object.keys(ALLOWED)
    .sort((a, b) => b.length - a.length)
    .find((area) => rel === area || rel.startsWith(`${area}/`));
}

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith('.ts')) yield path;
  }
}

describe('import direction (ARCHITECTURE.md)', () => {
  const violations: string[] = [];
  let files = 0;
  for (const area of Object.keys(ALLOWED)) {
    const dir = join(ROOT, area);
    try {
      statSync(dir);
    } catch {
      continue;
    }
    for (const file of sourceFiles(dir)) {
      files++;
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
        const target = areaOf(resolve(join(file, '..'), match[1] as string));
        const from = areaOf(file) as string;
        if (target && target !== from && !ALLOWED[from]?.includes(target)) violations.push(`${relative(ROOT, file)} imports ${target}`);
      }
    }
  }

  it('scans the source tree', () => expect(files).toBeGreaterThan(50));
  it('has no import against the direction', () => expect(violations).toEqual([]));
});
