import type { z } from 'zod';
import { InputError, zodIssues } from '../core/index.ts';
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
  const issues = zodIssues(result.error.issues, {
    locate: (path, options) => source.locate(path, options),
    unknownKeyHint: (path, key) => {
      const known = knownKeysAt(schema, path);
      // Never "did you mean `median`?" for `median` itself (a key another union branch takes).
      const near = suggest(
        key,
        known.filter((k) => k !== key),
      );
      return near ? `did you mean \`${near}\`?` : known.length > 0 ? `known keys: ${known.join(', ')}` : undefined;
    },
  });
  issues.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.column ?? 0) - (b.location?.column ?? 0));
  const noun = issues.length === 1 ? 'problem' : 'problems';
  throw new InputError('FG_CONFIG_INVALID', `${source.file}: ${issues.length} ${noun}`, { issues });
}

/** Reads a YAML file and validates it: the one call config users make. */
export async function loadConfigFile<S extends z.ZodType>(schema: S, file: string): Promise<Frozen<z.output<S>>> {
  return validateSource(schema, await readYamlFile(file));
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
