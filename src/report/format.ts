import { formatBinaryBytes } from '../core/index.ts';

/**
 * Number formatting shared by the renderers: fixed locale so reports and snapshots never vary by
 * machine. Units with a general meaning (bytes, a figure of a known kind) come from core/units.ts,
 * the one formatting module; these are the renderers' shorthands over it.
 */

/** `12,345` */
export function fmtCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Milliseconds with sensible precision: `0.85 ms`, `42.1 ms`, `1,250 ms`; `-` when unknown. */
export function fmtMs(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '-';
  if (!Number.isFinite(n)) return 'never';
  if (Math.abs(n) < 10) return `${round(n, 2)} ms`;
  if (Math.abs(n) < 100) return `${round(n, 1)} ms`;
  return `${fmtCount(n)} ms`;
}

/** Seconds from milliseconds: `61.5 s`, `35 min 2 s`. */
export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (!Number.isFinite(ms)) return 'never';
  const s = ms / 1000;
  if (s < 120) return `${round(s, 1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** A fraction as a percentage: `97.5%`. */
export function fmtPct(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '-';
  return `${round(fraction * 100, digits)}%`;
}

/** A signed relative change: `+12.5%`, `-3%`. */
export function fmtChange(fraction: number): string {
  return `${fraction >= 0 ? '+' : ''}${fmtPct(fraction)}`;
}

/** Bytes in binary units, as memory is read: `145.6 MiB`. */
export function fmtBytes(n: number): string {
  return formatBinaryBytes(n);
}

/** A plain number with at most `digits` decimals. */
export function fmtNumber(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '-';
  if (!Number.isFinite(n)) return 'never';
  return Math.abs(n) >= 1000 ? fmtCount(n) : String(round(n, digits));
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
