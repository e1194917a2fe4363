import { readFile, stat } from 'node:fs/promises';
import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parse,
  parseDocument,
  visit,
  type YAMLMap,
} from 'yaml';
import { InputError, type Issue, type SourceLocation } from '../core/index.ts';
import { DUPLICATE_KEY, keyIssues } from './yaml-keys.ts';

/** A parsed YAML file that still knows where every key and value came from. */
export interface YamlSource {
  file: string;
  /** The plain data (maps become objects). */
  data: unknown;
  /** Finds the position of a key path; `key: true` points at the key instead of its value. */
  locate(path: readonly (string | number)[], options?: { key?: boolean }): SourceLocation;
}

/**
 * The largest YAML file floodgate reads: 4 MiB. Parsing costs about a second per MB, and it is
 * synchronous (Ctrl-C waits for it), so a bigger file is refused at once rather than parsed for
 * a minute; recipient lists belong in the dispatcher's ingest, not in a scenario.
 */
export const MAX_YAML_BYTES = 4 * 1024 * 1024;

/** Reads and parses a YAML file; a missing, oversized or unparseable file is an {@link InputError}. */
export async function readYamlFile(file: string, options: YamlOptions = {}): Promise<YamlSource> {
  return parseYamlSource(await readYamlText(file, options.maxBytes), file, options);
}

/**
 * Reads a YAML file's text, refusing a file above `maxBytes` (default {@link MAX_YAML_BYTES})
 * before reading it. A missing file, a directory or an oversized file is an {@link InputError}.
 */
export async function readYamlText(file: string, maxBytes = MAX_YAML_BYTES): Promise<string> {
  try {
    const info = await stat(file);
    if (info.isFile()) checkSize(info.size, maxBytes, file);
    return await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    // The message names the file already: no issue line repeating it.
    throw new InputError('FG_FILE_NOT_FOUND', `${file}: cannot read (${reason})`);
  }
}

function checkSize(bytes: number, maxBytes: number, file: string): void {
  if (bytes <= maxBytes) return;
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MiB`;
  const message = `the file is ${mib(bytes)}; YAML files are limited to ${mib(maxBytes)} (keep recipient lists and large bodies out of it)`;
  throw new InputError('FG_INPUT_INVALID', `${file}: ${message}`, {
    issues: [{ path: [], message, location: { file, line: 1, column: 1 } }],
  });
}

/** Options of {@link parseYamlSource}. */
export interface YamlOptions {
  /**
   * Environment for `${VAR}` and `${VAR:-default}` in string values (not keys); `$${` is a literal
   * `${`. Without it, nothing is interpolated. A value that is exactly `${VAR}` takes the type its
   * text has in YAML (`${TPS}` with TPS=200 is the number 200).
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** The largest text accepted, in UTF-8 bytes (default {@link MAX_YAML_BYTES}; benchmarks raise it). */
  maxBytes?: number;
}

/**
 * Parses YAML text, reporting every syntax error at once with file:line:column. Duplicate keys
 * are errors (YAML 1.2 requires unique keys), and so is a `__proto__` key (it would silently
 * vanish, or change an object's prototype). Both are checked in one pass with a Set per map:
 * yaml's own `uniqueKeys` compares each key with every earlier one, quadratic in a map's size.
 * An empty file is an error of its own, at line 1.
 */
export function parseYamlSource(text: string, file: string, options: YamlOptions = {}): YamlSource {
  checkSize(Buffer.byteLength(text, 'utf8'), options.maxBytes ?? MAX_YAML_BYTES, file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number): SourceLocation => {
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  const issues: Issue[] = doc.errors.map((error) => {
    const message = error.message.split('\n')[0] ?? error.message;
    // An unclosed { or [ is noticed where the next line begins: point at the bracket to close.
    const open = /end with an? [}\]]/.test(message) ? unclosedFlowBefore(doc, text, error.pos[0]) : undefined;
    if (open) return { path: [], message: `this "${text[open]}" is never closed (${message})`, location: at(open) };
    return { path: [], message, location: at(error.pos[0]) };
  });
  issues.push(...keyIssues(doc.contents, at));
  if (issues.length === 0 && options.env) interpolate(doc, options.env, file, lineCounter);
  if (issues.length > 0) {
    issues.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.column ?? 0) - (b.location?.column ?? 0));
    // A `__proto__` key alone is not a syntax error but a bad name: say so in the headline.
    const syntax = doc.errors.length > 0 || issues.some((i) => i.message === DUPLICATE_KEY);
    if (!syntax)
      throw new InputError('FG_CONFIG_INVALID', `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`, { issues });
    throw new InputError('FG_CONFIG_SYNTAX', `${file}: YAML syntax error`, { issues });
  }
  if (doc.contents === null) {
    throw new InputError('FG_CONFIG_INVALID', `${file}: the file is empty`, {
      issues: [{ path: [], message: 'the file is empty', location: { file, line: 1, column: 1 } }],
    });
  }
  const index = new WeakMap<YAMLMap, Map<string, Pair>>();
  return {
    file,
    data: doc.toJS({ maxAliasCount: 100 }),
    locate: (path, options) => locateIn(doc, path, options?.key ?? false, at, file, index),
  };
}

/** The start of the last flow map or sequence before `offset` whose text does not end with its closing bracket. */
function unclosedFlowBefore(doc: Document, text: string, offset: number): number | undefined {
  let found: number | undefined;
  const check = (node: { flow?: boolean; range?: [number, number, number] | null }, close: string) => {
    const range = node.range;
    if (!node.flow || !range || range[0] >= offset || text[range[0]] !== (close === '}' ? '{' : '[')) return;
    if (text.slice(range[0], range[1]).trimEnd().endsWith(close)) return;
    if (found === undefined || range[0] > found) found = range[0];
  };
  visit(doc, {
    Map: (_key, node) => check(node, '}'),
    Seq: (_key, node) => check(node, ']'),
  });
  return found;
}

const VARIABLE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces `${VAR}` / `${VAR:-default}` in every string value; every unset variable is one issue, all reported at once. */
function interpolate(doc: Document, env: Readonly<Record<string, string | undefined>>, file: string, lines: LineCounter): void {
  const issues: Issue[] = [];
  visit(doc, {
    Scalar(key, node) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const text = node.value;
      const whole = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/.test(text);
      const replaced = text.replace(VARIABLE, (match, name: string | undefined, fallback: string | undefined) => {
        if (name === undefined) return '${';
        const value = Object.hasOwn(env, name) ? env[name] : undefined;
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        const pos = lines.linePos(node.range?.[0] ?? 0);
        issues.push({
          path: [],
          message: `${match} is not set in the environment`,
          hint: `set ${name}, or give a default: \${${name}:-value}`,
          location: { file, line: pos.line, column: pos.col },
        });
        return match;
      });
      if (replaced === text) return;
      const typed = whole ? parse(replaced) : replaced;
      const value = typed === null || typeof typed === 'object' ? replaced : typed;
      // Changed in place: a returned node would be visited (and interpolated) again.
      node.value = value;
    },
  });
  if (issues.length > 0)
    throw new InputError('FG_CONFIG_INVALID', `${file}: ${issues.length} unset variable${issues.length === 1 ? '' : 's'}`, { issues });
}

function locateIn(
  doc: Document,
  path: readonly (string | number)[],
  wantKey: boolean,
  at: (offset: number) => SourceLocation,
  file: string,
  index: WeakMap<YAMLMap, Map<string, Pair>>,
): SourceLocation {
  let node: unknown = doc.contents;
  let best: SourceLocation = { file };
  if (hasRange(node)) best = at(node.range[0]);
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = keysOf(node, index).get(String(segment));
      if (!pair) return best;
      const keyNode = pair.key as Node;
      if (last && wantKey && hasRange(keyNode)) return at(keyNode.range[0]);
      node = pair.value;
      if (hasRange(node)) best = at(node.range[0]);
      else if (hasRange(keyNode)) best = at(keyNode.range[0]);
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (hasRange(node)) best = at(node.range[0]);
      else return best;
    } else {
      return best;
    }
  }
  return best;
}

/** A map's pairs by key text, built once per map: a lookup per issue stays O(1), not O(keys). */
function keysOf(map: YAMLMap, index: WeakMap<YAMLMap, Map<string, Pair>>): Map<string, Pair> {
  let keys = index.get(map);
  if (!keys) {
    keys = new Map();
    for (const p of map.items) {
      if (isPair(p) && isScalar(p.key) && !keys.has(String(p.key.value))) keys.set(String(p.key.value), p as Pair);
    }
    index.set(map, keys);
  }
  return keys;
}

function hasRange(node: unknown): node is { range: [number, number, number] } {
  return typeof node === 'object' && node !== null && Array.isArray((node as { range?: unknown }).range);
}
