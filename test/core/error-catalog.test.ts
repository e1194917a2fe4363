import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_ERRORS } from '../../dispatcher/http/error-catalog.ts';
import { ERROR_CATALOG } from '../../src/core/index.ts';

/** Every .ts file under a source root, but the catalogs themselves. */
function sources(root: string): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('core/errors.ts') && !path.endsWith('error-catalog.ts'))
        out.push(readFileSync(path, 'utf8'));
    }
  };
  walk(root);
  return out.join('\n');
}

describe('the error catalogs are true', () => {
  const code = ['src', 'dispatcher', 'mock-providers'].map(sources).join('\n');

  it.each(Object.keys(ERROR_CATALOG))('%s is raised somewhere', (name) => {
    // FG_INTERNAL is InternalError's own code.
    const raised = name === 'FG_INTERNAL' ? /new InternalError\(/ : new RegExp(`Error\\(\\s*'${name}'`);
    expect(code).toMatch(raised);
  });

  it.each(Object.keys(API_ERRORS))('the dispatcher answers `%s` somewhere', (name) => {
    expect(sources('dispatcher')).toMatch(new RegExp(`'${name}'`));
  });

  it('an InputError takes only exit-4 codes and a RunInvalidError only exit-3 codes (a type error otherwise)', () => {
    const bad = Object.entries(ERROR_CATALOG)
      .filter(([, e]) => e.exit === 4)
      .map(([c]) => c);
    for (const match of code.matchAll(/new InputError\(\s*'(FG_[A-Z_]+)'/g)) expect(bad).toContain(match[1]);
    const invalid = Object.entries(ERROR_CATALOG)
      .filter(([, e]) => e.exit === 3)
      .map(([c]) => c);
    for (const match of code.matchAll(/new RunInvalidError\(\s*'(FG_[A-Z_]+)'/g)) expect(invalid).toContain(match[1]);
  });
});
