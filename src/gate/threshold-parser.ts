import { parseDuration, parsePercent, parseRate, parseSize } from '../core/index.ts';

/**
 * The threshold grammar. A threshold pairs a metric key with an expression:
 *
 * ```
 * expression  := [aggregate] comparator value
 * aggregate   := "p(" number ")"          percentile, 0 < n <= 100       p(95)
 *              | "rate(" ident ")"         share of requests             rate(errors)
 *              | ident                     avg | min | max | mean | med | last | count | sum | rate
 * comparator  := "<" | "<=" | ">" | ">=" | "==" | "!="
 * value       := number [unit]
 * unit        := ms | s | m | h | d                     a duration, compared in ms
 *              | B | kB | KB | MB | GB | KiB | MiB | GiB a size, compared in bytes
 *              | "%"                                    a fraction (1% = 0.01)
 *              | "/s" | "/min" | tps                    a rate, compared per second
 * ```
 *
 * Examples: `< 200ms`, `p(95) < 200ms`, `rate(errors) < 1%`, `== 0`, `<= 200`, `max < 256MB`.
 * The aggregate may also be the key's last segment (`http.latency.p95: "< 200ms"`).
 * Parsing only builds data; `buildThresholds` (thresholds.ts) checks it against the metric it
 * names (its value kind, and the aggregates its family takes: `AGGREGATES_BY_FAMILY` in metrics.ts)
 * and the evaluator compares numbers. Nothing is ever evaluated as code.
 */
export type Comparator = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** What a value measures, so `campaign.lost < 200ms` can be refused before a run. */
export type ValueKind = 'duration' | 'size' | 'fraction' | 'rate' | 'number';

/** A parsed threshold expression. */
export interface ThresholdExpression {
  /** `p` with `percentile`, `rate` with `of`, or a named aggregate; undefined when absent. */
  aggregate?: { name: string; percentile?: number; of?: string };
  comparator: Comparator;
  /** The bound in base units: ms, bytes, fraction, per second, or a plain number. */
  value: number;
  kind: ValueKind;
  source: string;
}

/** A parse failure: a message and the character offset where it was found. */
export interface ThresholdSyntaxError {
  message: string;
  offset: number;
}

const COMPARATORS: readonly Comparator[] = ['<=', '>=', '==', '!=', '<', '>'];
export const NAMED_AGGREGATES = ['avg', 'mean', 'min', 'max', 'med', 'last', 'count', 'sum', 'rate'] as const;

/** Parses one expression; returns the data or the first syntax error. */
export function parseThresholdExpression(source: string): ThresholdExpression | ThresholdSyntaxError {
  const text = source.trim();
  let pos = 0;
  const skip = () => {
    while (text[pos] === ' ') pos++;
  };
  let aggregate: ThresholdExpression['aggregate'];
  const call = /^([a-z]+)\s*\(\s*([^)]*?)\s*\)/.exec(text);
  const word = /^([a-z][a-z0-9_]*)/.exec(text);
  if (call?.[1] && call[2] !== undefined) {
    const [whole, name, arg] = call;
    if (name === 'p') {
      const n = Number(arg);
      if (!(n > 0 && n <= 100)) return { message: `p(${arg}) needs a percentile in (0, 100]`, offset: 2 };
      aggregate = { name: 'p', percentile: n };
    } else if (name === 'rate') {
      if (!/^[a-z_]+$/.test(arg)) return { message: `rate(${arg}) needs a name such as rate(errors)`, offset: 5 };
      aggregate = { name: 'rate', of: arg };
    } else {
      return { message: `unknown function ${name}(); use p(N) or rate(name)`, offset: 0 };
    }
    pos = whole.length;
  } else if (word?.[1]) {
    if (!(NAMED_AGGREGATES as readonly string[]).includes(word[1])) {
      const percentile = /^p(\d+)$/.exec(word[1]);
      const spelt = spelledComparison(text);
      if (spelt) return { message: `a comparison in words; write it with a comparator: "${spelt}"`, offset: 0 };
      const hint = percentile ? `write p(${percentile[1]})` : `use one of ${NAMED_AGGREGATES.join(', ')}, p(N) or rate(name)`;
      return { message: `unknown aggregate "${word[1]}"; ${hint}`, offset: 0 };
    }
    aggregate = { name: word[1] };
    pos = word[1].length;
  }
  skip();
  const comparator = COMPARATORS.find((c) => text.startsWith(c, pos));
  if (!comparator) return { message: 'expected a comparator (<, <=, >, >=, ==, !=)', offset: pos };
  pos += comparator.length;
  skip();
  const valueText = text.slice(pos);
  const value = parseValue(valueText);
  if (!value) return { message: `"${valueText}" is not a number with an optional unit (200ms, 256MB, 1%, 200/s)`, offset: pos };
  return { ...(aggregate ? { aggregate } : {}), comparator, value: value.value, kind: value.kind, source };
}

function parseValue(text: string): { value: number; kind: ValueKind } | undefined {
  const match = /^(-?\d+(?:\.\d+)?)\s*(.*)$/.exec(text.trim());
  if (!match?.[1]) return undefined;
  const unit = (match[2] ?? '').trim();
  const number = Number(match[1]);
  if (unit === '') return { value: number, kind: 'number' };
  const attempts: [ValueKind, () => number][] = [
    ['fraction', () => parsePercent(`${match[1]}${unit}`)],
    ['duration', () => parseDuration(`${match[1]}${unit}`)],
    ['size', () => parseSize(`${match[1]}${unit}`)],
    ['rate', () => parseRate(`${match[1]}${unit}`)],
  ];
  for (const [kind, parse] of attempts) {
    try {
      return { value: parse(), kind };
    } catch {
      // try the next unit family
    }
  }
  return undefined;
}

/** Applies a comparator. */
export function compare(actual: number, comparator: Comparator, bound: number): boolean {
  switch (comparator) {
    case '<':
      return actual < bound;
    case '<=':
      return actual <= bound;
    case '>':
      return actual > bound;
    case '>=':
      return actual >= bound;
    case '==':
      return actual === bound;
    case '!=':
      return actual !== bound;
  }
}

/** Comparisons said in words, as people write them in a YAML file first. */
const WORDS: Record<string, string> = {
  less: '<',
  under: '<',
  below: '<',
  fewer: '<',
  more: '>',
  over: '>',
  above: '>',
  greater: '>',
  equals: '==',
  equal: '==',
  exactly: '==',
  'at most': '<=',
  'at least': '>=',
};
const SPELT = new RegExp(`^(${Object.keys(WORDS).join('|')})\\s+(?:(than or equal to|or equal to|than|to)\\s+)?(.+)$`);

/** "less than 200ms" -> "< 200ms", "at most 1%" -> "<= 1%", "less than or equal to 5" -> "<= 5"; undefined when the text is not a comparison in words. */
function spelledComparison(text: string): string | undefined {
  const m = SPELT.exec(text.trim());
  if (!m?.[1] || !m[3]) return undefined;
  const comparator = WORDS[m[1]] as string;
  const orEqual = m[2]?.includes('equal') && (comparator === '<' || comparator === '>');
  return `${orEqual ? `${comparator}=` : comparator} ${m[3]}`;
}
