/** Writes schemas/result.schema.json from the zod contract (`npm run schema`). */
import { writeFileSync } from 'node:fs';
import { renderResultJsonSchema } from '../src/core/result-json-schema.ts';

const target = new URL('../schemas/result.schema.json', import.meta.url);
writeFileSync(target, renderResultJsonSchema());
console.log(`wrote ${target.pathname}`);
