import type { z } from 'zod';
import { InputError, type Issue } from '../core/index.ts';
import { suggest } from './suggest.ts';
import { readYamlFile, type YamlSource } from './yaml-source.ts';

/** A deeply read-only view: what validation hands inward. */
export type Frozen<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer U)[]
    ? readonly Frozen<U>[]
    : T extends object
      ? { readonly [K in keyof T]: Frozen<T[K]> }
      : T;

/** Freezes an object graph in place and returns it. */
export function deepFreeze<T>(value: T): Frozen<T> {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value as Frozen<T>;
}

/**
 * Validates parsed YAML against a zod schema. Every problem is collected (zod reports all
 * issues of a parse), mapped to file:line:column, given a hint where one helps, and thrown
 * together as one {@link InputError} coded `FG_CONFIG_INVALID`. On success the fully
 * defaulted value is frozen.
 */
export function validateSource<S extends z.ZodType>(schema: S, source: YamlSource): Frozen<z.output<S>> {
  const result = schema.safeParse(source.data, { reportInput: true });
  if (result.success) return deepFreeze(result.data);
  const issues = result.error.issues.flatMap((issue) => toIssues(schema, source, issue));
  issues.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.column ?? 0) - (b.location?.column ?? 0));
  const noun = issues.length === 1 ? 'problem' : 'problems';
  throw new InputError('FG_CONFIG_INVALID', `${source.file}: ${issues.length} ${noun}`, { issues });
}

/** Reads a YAML file and validates it: the one call config users make. */
export async function loadConfigFile<S extends z.ZodType>(schema: S, file: string): Promise<Frozen<z.output<S>>> {
  return validateSource(schema, await readYamlFile(file));
}

type ZodIssue = z.core.$ZodIssue;

function toIssues(schema: z.ZodType, source: YamlSource, issue: ZodIssue): Issue[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(schema, path);
    return issue.keys.map((key) => {
      // Never "did you mean `median`?" for `median` itself (a key another union branch takes).
      const hintKey = suggest(
        key,
        known.filter((k) => k !== key),
      );
      const hint = hintKey ? `did you mean \`${hintKey}\`?` : known.length > 0 ? `known keys: ${known.join(', ')}` : undefined;
      return {
        path: [...path, key],
        message: `unknown key \`${key}\``,
        ...(hint ? { hint } : {}),
        location: source.locate([...path, key], { key: true }),
      };
    });
  }
  if (issue.code === 'invalid_union' && issue.input === undefined) {
    return [{ path, message: 'is required', location: source.locate(path) }];
  }
  if (issue.code === 'invalid_union') {
    // Report the branch that got furthest: one that passed the type check (its issues say why the
    // value is wrong, e.g. "a rate cannot be negative"), the one with the fewest issues among those.
    // A branch that has unknown keys at the union's own level is the wrong shape, however few its
    // issues: `latency: { median: abc }` is the median/p99 form with a bad value, not a `fixed` one.
    const typeOnly = (b: readonly ZodIssue[]) => b.every((i) => i.code === 'invalid_type' && i.path.length === 0);
    const wrongShape = (b: readonly ZodIssue[]) => (b.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0) ? 1 : 0);
    const branches = issue.errors
      .filter((b) => b.length > 0 && !typeOnly(b))
      .sort((a, b) => wrongShape(a) - wrongShape(b) || a.length - b.length);
    const best = branches[0];
    if (best) {
      return best.flatMap((inner) => toIssues(schema, source, { ...inner, path: [...issue.path, ...inner.path] }));
    }
  }
  return [
    { path, message: describe(issue), location: source.locate(path, { key: issue.code === 'invalid_type' && issue.input === undefined }) },
  ];
}

function describe(issue: ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return issue.input === null || typeof issue.input === 'object'
        ? `expected ${article(issue.expected)}, got ${typeName(issue.input)}`
        : `expected ${article(issue.expected)}, got ${typeName(issue.input)} ${JSON.stringify(issue.input)}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `needs at least ${issue.minimum} item(s)`
        : `must be ${issue.inclusive ? '>=' : '>'} ${issue.minimum}${'input' in issue ? `, got ${JSON.stringify(issue.input)}` : ''}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `allows at most ${issue.maximum} item(s)`
        : `must be ${issue.inclusive ? '<=' : '<'} ${issue.maximum}${'input' in issue ? `, got ${JSON.stringify(issue.input)}` : ''}`;
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

interface ZodDefLike {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  element?: unknown;
  valueType?: unknown;
  options?: unknown[];
  getter?: () => unknown;
}

function defOf(schema: unknown): ZodDefLike | undefined {
  return (schema as { _zod?: { def?: ZodDefLike } })?._zod?.def;
}

/** The keys an object schema accepts at `path`, looking through wrappers and unions. */
export function knownKeysAt(schema: unknown, path: readonly (string | number)[]): string[] {
  const keys = new Set<string>();
  const visit = (node: unknown, rest: readonly (string | number)[], depth: number) => {
    const def = defOf(node);
    if (!def || depth > 64) return;
    switch (def.type) {
      case 'object': {
        const shape = def.shape ?? {};
        if (rest.length === 0) for (const k of Object.keys(shape)) keys.add(k);
        else if (typeof rest[0] === 'string' && rest[0] in shape) visit(shape[rest[0]], rest.slice(1), depth + 1);
        return;
      }
      case 'array':
        if (typeof rest[0] === 'number') visit(def.element, rest.slice(1), depth + 1);
        return;
      case 'record':
        if (rest.length > 0) visit(def.valueType, rest.slice(1), depth + 1);
        return;
      case 'union':
        for (const option of def.options ?? []) visit(option, rest, depth + 1);
        return;
      case 'pipe':
        visit(def.in, rest, depth + 1);
        return;
      case 'lazy':
        visit(def.getter?.(), rest, depth + 1);
        return;
      default:
        if (def.innerType) visit(def.innerType, rest, depth + 1);
    }
  };
  visit(schema, path, 0);
  return [...keys].sort();
}
