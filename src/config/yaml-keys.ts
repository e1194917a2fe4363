import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Issue, SourceLocation } from '../core/index.ts';

/** yaml's own wording for a repeated key, kept so messages read as before. */
export const DUPLICATE_KEY = 'Map keys must be unique';

/** The keys no map may have: `__proto__` would vanish from the data (or change a prototype). */
const FORBIDDEN_KEYS = new Set(['__proto__']);

/**
 * Checks every map's keys in one pass over the document: a repeated key ("Map keys must be
 * unique", yaml's own wording, at the repeat) and a `__proto__` key are issues. A Set per map
 * keeps this linear in the file's size; yaml's `uniqueKeys` option compares every key with every
 * earlier key of its map, which took 23 s for a 4 MB file. Scalar keys compare by their text, as
 * they become object keys (`1` and `"1"` would collapse into one); other keys are not compared.
 */
export function keyIssues(root: unknown, at: (offset: number) => SourceLocation): Issue[] {
  const issues: Issue[] = [];
  // An explicit stack, not recursion: a deeply nested file must not overflow the call stack here.
  const stack: { node: unknown; path: (string | number)[] }[] = [{ node: root, path: [] }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { node, path } = next;
    if (isAlias(node)) continue;
    if (isSeq(node)) {
      node.items.forEach((item, i) => {
        stack.push({ node: item, path: [...path, i] });
      });
    } else if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        const name = isScalar(key) ? key.value : key;
        const keyPath = [...path, String(name)];
        const offset = (key as { range?: [number, number, number] } | null)?.range?.[0];
        const where = offset === undefined ? {} : { location: at(offset) };
        if (typeof name === 'string' && FORBIDDEN_KEYS.has(name)) {
          issues.push({
            path: keyPath,
            message: `\`${name}\` is not allowed as a key (a reserved JavaScript name)`,
            ...where,
          });
        } else if (isScalar(key) && seen.has(String(name))) {
          issues.push({ path: keyPath, message: DUPLICATE_KEY, ...where });
        }
        if (isScalar(key)) seen.add(String(name));
        else stack.push({ node: key, path });
        stack.push({ node: pair.value, path: keyPath });
      }
    }
  }
  return issues;
}
