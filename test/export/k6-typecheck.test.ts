import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { K6_TYPECHECK_DIR, typecheckK6Scripts } from '../helpers/k6-typecheck.ts';

const GOOD = join(K6_TYPECHECK_DIR, 'scripts/alimtalk-reports.js');
const WRONG = join(K6_TYPECHECK_DIR, 'wrong/wrong-types.js');

describe('k6 scripts type-check against @types/k6', () => {
  it('`tsc -p test/fixtures/k6-typecheck` passes on the example script', () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', K6_TYPECHECK_DIR], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the example passes in-process, also when copied outside the repo (as a generated script will be)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fg-k6-script-'));
    try {
      const copy = join(dir, 'script.js');
      copyFileSync(GOOD, copy);
      expect(typecheckK6Scripts([GOOD, copy])).toEqual({ ok: true, diagnostics: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a wrong script fails, on each line that misuses the k6 API (so the check can fail)', () => {
    const { ok, diagnostics } = typecheckK6Scripts([WRONG]);
    expect(ok).toBe(false);
    const lines = [...new Set(diagnostics.map((d) => Number(/:(\d+):\d+ TS/.exec(d)?.[1])))].sort((a, b) => a - b);
    // Exactly the lines marked `// WRONG` in the fixture: no more (the k6 types resolve), no fewer.
    const marked = readFileSync(WRONG, 'utf8')
      .split('\n')
      .flatMap((line, i) => (line.includes('// WRONG') ? [i + 1] : []));
    expect(marked).toHaveLength(5);
    expect(lines).toEqual(marked);
    expect(diagnostics.join('\n')).toMatch(/startsWith/);
  });
});
