import type { z } from 'zod';
import type { Issue, SourceLocation } from './errors.ts';

/** A zod issue (zod 4's core type). */
export type ZodIssue = z.core.$ZodIssue;

/** What a caller that knows more than the schema can add: positions in a file, hints for unknown keys. */
export interface ZodIssueContext {
  /** Where `path` is in the source (`key`: point at the key rather than its value). */
  locate?(path: readonly (string | number)[], options: { key: boolean }): SourceLocation | undefined;
  /** A hint for an unknown key at `path` (e.g. "did you mean `latency`?"). */
  unknownKeyHint?(path: readonly (string | number)[], key: string): string | undefined;
}

/**
 * THE mapping from zod issues to floodgate {@link Issue}s, used by every parse in the project (config
 * files, configs given in code, the dispatcher's API, result and k6 files): key paths with symbols as
 * strings, one issue per unknown key, a union reported by the branch that got furthest, and messages
 * that say what was expected and what was given, with positions and hints when
 * the caller has them.
 */
export function zodIssues(issues: readonly ZodIssue[], context: ZodIssueContext = {}): Issue[] {
  return issues.flatMap((issue) => toIssues(issue, context));
}

function toIssues(issue: ZodIssue, context: ZodIssueContext): Issue[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const at = (p: readonly (string | number)[], key: boolean) => {
    const location = context.locate?.(p, { key });
    return location ? { location } : {};
  };
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const hint = context.unknownKeyHint?.(path, key);
      return { path: [...path, key], message: `unknown key \`${key}\``, ...(hint ? { hint } : {}), ...at([...path, key], true) };
    });
  }
  if (issue.code === 'invalid_union' && issue.input === undefined) return [{ path, message: 'is required', ...at(path, false) }];
  if (issue.code === 'invalid_union') {
    // Report the branch that got furthest: one that passed the type check (its issues say why the
    // value is wrong, e.g. "a rate cannot be negative"), the one with the fewest issues among those.
    // A branch that has unknown keys at the union's own level is the wrong shape, however few its
    // issues: `latency: { median: abc }` is the median/p99 form with a bad value, not a `fixed` one.
    const typeOnly = (b: readonly ZodIssue[]) => b.every((i) => i.code === 'invalid_type' && i.path.length === 0);
    const wrongShape = (b: readonly ZodIssue[]) => (b.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0) ? 1 : 0);
    const best = issue.errors
      .filter((b) => b.length > 0 && !typeOnly(b))
      .sort((a, b) => wrongShape(a) - wrongShape(b) || a.length - b.length)[0];
    if (best) return best.flatMap((inner) => toIssues({ ...inner, path: [...issue.path, ...inner.path] }, context));
  }
  return [{ path, message: describe(issue), ...at(path, issue.code === 'invalid_type' && issue.input === undefined) }];
}

function describe(issue: ZodIssue): string {
  // Values are quoted whole: `shortenMessage` shortens each quoted value when the message is shown.
  const given = (input: unknown) => JSON.stringify(input) ?? String(input);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return issue.input === null || typeof issue.input === 'object'
        ? `expected ${article(issue.expected)}, got ${typeName(issue.input)}`
        : `expected ${article(issue.expected)}, got ${typeName(issue.input)} ${given(issue.input)}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `needs at least ${issue.minimum} item(s)`
        : `must be ${issue.inclusive ? '>=' : '>'} ${issue.minimum}${'input' in issue ? `, got ${given(issue.input)}` : ''}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `allows at most ${issue.maximum} item(s)`
        : `must be ${issue.inclusive ? '<=' : '<'} ${issue.maximum}${'input' in issue ? `, got ${given(issue.input)}` : ''}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'does not match any accepted form';
    default:
      return issue.message;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'map';
  return typeof value;
}
