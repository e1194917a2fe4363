import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FloodgateError, parseConfigObject } from '../../src/core/index.ts';

const schema = z.object({ tps: z.number().positive(), nested: z.object({ on: z.boolean() }).strict().default({ on: false }) }).strict();

describe('parseConfigObject', () => {
  it('returns the defaulted value', () =>
    expect(parseConfigObject(schema, { tps: 5 }, 'x config')).toEqual({ tps: 5, nested: { on: false } }));

  it('lists every problem with its key path, one issue per unknown key, exit 4', () => {
    try {
      parseConfigObject(schema, { tps: -1, tsp: 1, nested: { on: 'yes', off: 1 } }, 'x config');
      expect.unreachable();
    } catch (error) {
      const e = error as FloodgateError;
      expect([e.code, e.exitCode, e.message]).toEqual(['FG_CONFIG_INVALID', 4, 'x config: 4 problem(s)']);
      expect(e.issues.map((i) => i.path.join('.')).sort()).toEqual(['nested.off', 'nested.on', 'tps', 'tsp']);
      expect(e.issues.find((i) => i.path.join('.') === 'tsp')?.message).toBe('unknown key `tsp`');
    }
  });
});
