import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INTEGRATION } from '../../vitest.config.ts';

/**
 * The unit project must stay fast and in-process: a test file that binds a socket or spawns a
 * process belongs in the integration project (vitest.config.ts). This keeps the hand-kept list
 * honest as files are added.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const IO = /\.listen\(|\bspawn\(|\bexecFile|createServer\(|\bstartMocks\(|\bstartSink\(|\bstartProviderMocks\(|\bstartDispatcher\(/;

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [relative(ROOT, path)] : [];
  });
}

function isIntegration(file: string): boolean {
  return INTEGRATION.some((pattern) =>
    pattern.endsWith('/**/*.test.ts') ? file.startsWith(pattern.slice(0, -'**/*.test.ts'.length)) : pattern === file,
  );
}

describe('test projects', () => {
  it('lists every test file that binds a socket or spawns a process as integration', () => {
    const misplaced = testFiles(join(ROOT, 'test')).filter((f) => !isIntegration(f) && IO.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(misplaced).toEqual([]);
  });

  it('lists only files that exist', () => {
    const files = new Set(testFiles(join(ROOT, 'test')));
    expect(INTEGRATION.filter((p) => !p.includes('*') && !files.has(p))).toEqual([]);
  });
});
