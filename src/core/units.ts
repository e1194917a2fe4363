import { InputError } from './errors.ts';

/**
 * Parsers for the units people write in plan and scenario files. Each returns a plain
 * number in a base unit (milliseconds, bytes, per second, a fraction) and throws an
 * {@link InputError} coded `FG_UNIT_INVALID` whose message says what would be accepted.
 * Config schemas call them so that a bad value becomes an issue with file:line:column.
 */

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION_PART = /(\d+(?:\.\d+)?)\s*(ms|sec|min|s|m|h|d)/gy;

function unitError(kind: string, input: unknown, examples: string): InputError {
  return new InputError('FG_UNIT_INVALID', `${JSON.stringify(input)} is not a ${kind}; write e.g. ${examples}`);
}

/**
 * Parses a duration such as `200ms`, `50s`, `30m`, `1h30m`, `1.5h` or `0` into
 * milliseconds. A bare number other than 0 is refused: `30` could mean seconds or minutes.
 */
export function parseDuration(input: string | number): number {
  if (input === 0 || input === '0') return 0;
  if (typeof input !== 'string') throw unitError('duration', input, '200ms, 50s, 30m, 1h30m');
  const text = input.trim();
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (;;) {
    const start = DURATION_PART.lastIndex;
    const match = DURATION_PART.exec(text);
    if (!match) break;
    total += Number(match[1]) * (DURATION_UNITS_MS[match[2] as string] as number);
    consumed = DURATION_PART.lastIndex;
    if (consumed === start) break;
    while (text[DURATION_PART.lastIndex] === ' ') DURATION_PART.lastIndex++;
  }
  if (consumed === 0 || text.slice(consumed).trim() !== '') {
    throw unitError('duration', input, '200ms, 50s, 30m, 1h30m');
  }
  return total;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/**
 * Parses a size such as `256MB`, `1.5GiB` or `512 KiB` into bytes. `KB/MB/GB` are SI
 * (powers of 1000), `KiB/MiB/GiB` binary (powers of 1024), as in IEC 80000-13.
 * A bare number is bytes.
 */
export function parseSize(input: string | number): number {
  if (typeof input === 'number' && Number.isFinite(input) && input >= 0) return input;
  const match = typeof input === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)?\s*$/.exec(input) : null;
  const factor = match ? SIZE_UNITS[(match[2] ?? 'b').toLowerCase()] : undefined;
  if (!match || factor === undefined) throw unitError('size', input, '256MB, 1.5GiB, 512KiB');
  return Number(match[1]) * factor;
}

const RATE_PER_SECOND: Record<string, number> = {
  ms: 1000,
  s: 1,
  sec: 1,
  second: 1,
  m: 1 / 60,
  min: 1 / 60,
  minute: 1 / 60,
  h: 1 / 3600,
  hour: 1 / 3600,
  d: 1 / 86_400,
  day: 1 / 86_400,
};

/**
 * Parses a rate such as `200/s`, `600000/min`, `50,000/minute`, `2M/day` or `375 tps`
 * into events per second. A bare number is per second.
 */
export function parseRate(input: string | number): number {
  if (typeof input === 'number' && Number.isFinite(input) && input >= 0) return input;
  if (typeof input === 'string') {
    const text = input.trim().toLowerCase();
    const tps = /^(.+?)\s*(?:tps|rps|qps)$/.exec(text);
    if (tps?.[1]) return parseCount(tps[1]);
    const slash = /^(.+?)\s*\/\s*([a-z]+)$/.exec(text);
    const per = slash ? RATE_PER_SECOND[slash[2] as string] : undefined;
    if (slash?.[1] && per !== undefined) return parseCount(slash[1]) * per;
    if (/^[\d.,_]+$/.test(text)) return parseCount(text);
  }
  throw unitError('rate', input, '200/s, 600000/min, 375 tps');
}

const COUNT_SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9 };

/** Parses a count such as `420000`, `420,000`, `420_000`, `1.5M` or `30k`. */
export function parseCount(input: string | number): number {
  if (typeof input === 'number' && Number.isFinite(input) && input >= 0) return input;
  const match = typeof input === 'string' ? /^\s*(\d[\d,_]*(?:\.\d+)?)\s*([kmbKMB])?\s*$/.exec(input) : null;
  if (!match?.[1]) throw unitError('count', input, '420000, 420,000, 1.5M');
  const value = Number(match[1].replace(/[,_]/g, ''));
  return value * (match[2] ? (COUNT_SUFFIX[match[2].toLowerCase()] as number) : 1);
}

/** Parses an amount of money such as `$63.67`, `812`, `$1,200` or `USD 48` into a number. */
export function parseMoney(input: string | number): number {
  if (typeof input === 'number' && Number.isFinite(input)) return input;
  const match = typeof input === 'string' ? /^\s*(?:\$|usd\s*)?\s*(-?\d[\d,]*(?:\.\d+)?)\s*(?:usd)?\s*$/i.exec(input) : null;
  if (!match?.[1]) throw unitError('amount of money', input, '$63.67, 812');
  return Number(match[1].replace(/,/g, ''));
}

/**
 * Parses a percentage such as `25%` or `37.5 %` into a fraction (0.25). A bare number is
 * taken as a fraction already, so it must lie in [0, 1].
 */
export function parsePercent(input: string | number): number {
  if (typeof input === 'number' && input >= 0 && input <= 1) return input;
  const match = typeof input === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(input) : null;
  if (!match) throw unitError('percentage', input, '25%, 37.5%, or a fraction 0.25');
  return Number(match[1]) / 100;
}
