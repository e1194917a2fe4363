import type { z } from 'zod';
import { InputError } from './errors.ts';
import { zodIssues } from './zod-issues.ts';

/**
 * Validates a config given in code (embedding, tests, the admin API), not read from a file:
 * files go through `loadConfigFile`, which adds positions and hints. Every zod issue becomes an
 * {@link Issue} with its key path (an unknown key gets one issue of its own), thrown together as
 * one {@link InputError} coded `FG_CONFIG_INVALID`, labelled with what was being parsed.
 */
export function parseConfigObject<S extends z.ZodType>(schema: S, input: unknown, label: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = zodIssues(parsed.error.issues);
  throw new InputError('FG_CONFIG_INVALID', `${label}: ${issues.length} problem(s)`, { issues });
}
