import { formatBytes, formatDuration, round } from '../core/index.ts';

/**
 * Number formatting shared by the plan's flags and renderers, so the terminal, Markdown and
 * HTML say the same thing: thousands separators, at most `digits` decimals, no trailing zeros.
 */
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

/** `25%`, `37.5%`. */
export function formatPercent(fraction: number, digits = 2): string {
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

export { formatBytes };
