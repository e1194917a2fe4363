import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderResultJsonSchema } from '../../src/core/result-json-schema.ts';

describe('schemas/result.schema.json', () => {
  it('matches the zod contract (run `npm run schema` after changing src/core/result.ts)', () => {
    const committed = readFileSync(new URL('../../schemas/result.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderResultJsonSchema());
  });

  it('describes the top-level fields', () => {
    const schema = JSON.parse(renderResultJsonSchema());
    expect(schema.required).toEqual(expect.arrayContaining(['schemaVersion', 'meta', 'validity', 'timeline', 'http', 'verdict']));
    expect(schema.properties.schemaVersion.const).toBe(1);
  });
});
