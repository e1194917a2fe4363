/**
 * THE formatting module: every number floodgate shows a person (terminal, Markdown, HTML, JUnit,
 * the plan) is written by a function here, in a fixed locale so output never varies by machine.
 * Parsing the same units is `units.ts`.
 */

/** Formats milliseconds for people: `850ms`, `12.5s`, `35m`, `77m 47s`, `3h 6m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${round(ms, 1)}ms`;
  if (ms < 60_000) return `${round(ms / 1000, 2)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const parts = h > 0 ? [`${h}h`, m ? `${m}m` : '', s ? `${s}s` : ''] : [`${m}m`, s ? `${s}s` : ''];
  return parts.filter(Boolean).join(' ');
}

/** Formats bytes with SI units: `256 MB`, `1.2 GB`. */
export function formatBytes(bytes: number): string {
  return scaled(bytes, 1000, ['B', 'kB', 'MB', 'GB', 'TB']);
}

/** A size in the largest unit it reaches (steps of `base`), one decimal beyond bytes. */
function scaled(bytes: number, base: number, units: readonly string[]): string {
  let value = bytes;
  let i = 0;
  while (Math.abs(value) >= base && i < units.length - 1) {
    value /= base;
    i++;
  }
  return `${round(value, i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Rounds to `digits` decimals without trailing-zero noise. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Formats bytes with binary (IEC) units, as memory is usually read: `145.6 MiB`, `1.2 GiB`. */
export function formatBinaryBytes(bytes: number): string {
  return scaled(bytes, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB']);
}

/** What a measured figure is, so it is never printed without its unit. */
export type QuantityKind = 'duration' | 'size' | 'fraction' | 'rate' | 'percent' | 'count';

/**
 * Formats a figure with its unit, in a fixed locale so reports never vary by machine:
 * duration (ms) `2,591 ms`, size (bytes) `145.6 MiB`, fraction `0.35%`, rate (per second)
 * `412/s`, percent (already x100) `85%`, count `1,200 requests` (`noun` names what is counted).
 * Infinity (a campaign that never drained) is `never`.
 */
export function formatQuantity(value: number, kind: QuantityKind, noun?: string): string {
  if (Number.isNaN(value)) return '-';
  if (!Number.isFinite(value)) return 'never';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const plain = (n: number, d = digits) => round(n, d).toLocaleString('en-US', { maximumFractionDigits: d });
  switch (kind) {
    case 'duration':
      return `${plain(value)} ms`;
    case 'size':
      return formatBinaryBytes(value);
    case 'fraction':
      return `${plain(value * 100, 2)}%`;
    case 'percent':
      return `${plain(value, 1)}%`;
    case 'rate':
      return `${plain(value)}/s`;
    default:
      return noun ? `${plain(value)} ${noun}` : plain(value);
  }
}

/** Thousands separators, at most `digits` decimals, no trailing zeros: `140.625`, `1,234.5`. */
export function formatNumber(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : String(value);
  return round(value, digits).toLocaleString('en-US', { maximumFractionDigits: digits });
}

/** `375 TPS`, `140.625 TPS`. */
export function formatTps(value: number): string {
  return `${formatNumber(value, 3)} TPS`;
}

/** `555.56/s`. */
export function formatRate(value: number, digits = 2): string {
  return `${formatNumber(value, digits)}/s`;
}

/** `$63.67`. */
export function formatMoney(value: number): string {
  const sign = value < 0 ? '-' : '';
  return `${sign}$${Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A unit price: `$0.078`, `$1.50` (two to four decimals). */
export function formatPrice(value: number): string {
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`;
}

/** `25%`, `37.5%`; `-` when unknown. */
export function formatPercent(fraction: number | null | undefined, digits = 2): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '-';
  return `${formatNumber(fraction * 100, digits)}%`;
}

/** `35m`, `77m 47s (77.8 min)`: the clock form, plus decimal minutes when they are not whole. */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms)) return '∞';
  const clock = formatDuration(ms);
  const minutes = ms / 60_000;
  return minutes >= 1 && Math.abs(minutes - Math.round(minutes)) > 1e-9 ? `${clock} (${formatNumber(minutes, 1)} min)` : clock;
}

/** `1 to 2` style ranges: one value when min = max. */
export function formatRange(span: { min: number; max: number }, format: (v: number) => string): string {
  return span.min === span.max ? format(span.min) : `${format(span.min)} - ${format(span.max)}`;
}

/** `12,345`: a count, rounded. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Milliseconds with sensible precision: `0.85 ms`, `42.1 ms`, `1,250 ms`; `-` when unknown. */
export function formatMs(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '-';
  if (!Number.isFinite(n)) return 'never';
  if (Math.abs(n) < 10) return `${round(n, 2)} ms`;
  if (Math.abs(n) < 100) return `${round(n, 1)} ms`;
  return `${formatCount(n)} ms`;
}

/** Elapsed time in seconds from milliseconds: `61.5 s`, `35 min 2 s`; `-` when unknown. */
export function formatElapsed(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (!Number.isFinite(ms)) return 'never';
  const s = ms / 1000;
  if (s < 120) return `${round(s, 1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** A signed relative change: `+12.5%`, `-3%`. */
export function formatChange(fraction: number): string {
  return `${fraction >= 0 ? '+' : ''}${formatPercent(fraction, 1)}`;
}

/** A figure in a report: whole above 1,000 (`12,345`), else at most `digits` decimals; `-` unknown, `never` infinite. */
export function formatFigure(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '-';
  if (!Number.isFinite(n)) return 'never';
  return Math.abs(n) >= 1000 ? formatCount(n) : String(round(n, digits));
}
