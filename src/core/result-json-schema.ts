import { z } from 'zod';
import { RESULT_SCHEMA_VERSION, Result } from './result.ts';

/**
 * The JSON Schema of result.json, generated from the zod contract (`z.toJSONSchema`), as the
 * text committed at `schemas/result.schema.json`. `npm run schema` rewrites the file; a test
 * fails when the committed copy is stale.
 */
export function renderResultJsonSchema(): string {
  const schema = z.toJSONSchema(Result, { target: 'draft-2020-12' });
  const withId = {
    $id: `https://floodgate.dev/schemas/result.v${RESULT_SCHEMA_VERSION}.schema.json`,
    title: `floodgate result (schemaVersion ${RESULT_SCHEMA_VERSION})`,
    ...schema,
  };
  return `${JSON.stringify(withId, null, 2)}\n`;
}
