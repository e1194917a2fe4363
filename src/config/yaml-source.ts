import { readFile } from 'node:fs/promises';
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parse, parseDocument, visit } from 'yaml';
import { InputError, type Issue, type SourceLocation } from '../core/index.ts';

/** A parsed YAML file that still knows where every key and value came from. */
export interface YamlSource {
  file: string;
  /** The plain data (maps become objects). */
  data: unknown;
  /** Finds the position of a key path; `key: true` points at the key instead of its value. */
  locate(path: readonly (string | number)[], options?: { key?: boolean }): SourceLocation;
}

/** Reads and parses a YAML file; a missing file or a syntax error is an {@link InputError}. */
export async function readYamlFile(file: string): Promise<YamlSource> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new InputError('FG_FILE_NOT_FOUND', `${file}: cannot read (${reason})`, {
      issues: [{ path: [], message: `cannot read (${reason})`, location: { file } }],
    });
  }
  return parseYamlSource(text, file);
}

/** Options of {@link parseYamlSource}. */
export interface YamlOptions {
  /**
   * Environment for `${VAR}` and `${VAR:-default}` in string values (not keys); `$${` is a literal
   * `${`. Without it, nothing is interpolated. A value that is exactly `${VAR}` takes the type its
   * text has in YAML (`${TPS}` with TPS=200 is the number 200).
   */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Parses YAML text, reporting every syntax error at once with file:line:column.
 * Duplicate keys are errors (YAML 1.2 requires unique keys).
 */
export function parseYamlSource(text: string, file: string, options: YamlOptions = {}): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length === 0 && options.env) interpolate(doc, options.env, file, lineCounter);
  if (doc.errors.length > 0) {
    const issues: Issue[] = doc.errors.map((error) => {
      const pos = lineCounter.linePos(error.pos[0]);
      return {
        path: [],
        message: error.message.split('\n')[0] ?? error.message,
        location: { file, line: pos.line, column: pos.col },
      };
    });
    throw new InputError('FG_CONFIG_SYNTAX', `${file}: YAML syntax error`, { issues });
  }
  const at = (offset: number): SourceLocation => {
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  return {
    file,
    data: doc.toJS({ maxAliasCount: 100 }),
    locate: (path, options) => locateIn(doc, path, options?.key ?? false, at, file),
  };
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
        const value = env[name];
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
): SourceLocation {
  let node: unknown = doc.contents;
  let best: SourceLocation = { file };
  if (hasRange(node)) best = at(node.range[0]);
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
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

function hasRange(node: unknown): node is { range: [number, number, number] } {
  return typeof node === 'object' && node !== null && Array.isArray((node as { range?: unknown }).range);
}
