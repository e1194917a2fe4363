import { z } from 'zod';
import { parseCount, parseDuration, parseMoney, parsePercent, parseRate, parseSize } from './units.ts';

/**
 * zod fields for the units people write. Each accepts a string with a unit (or a number
 * where the unit is unambiguous) and outputs a number in the base unit, so the rest of
 * floodgate only ever sees milliseconds, bytes, per-second rates and fractions.
 */
function unitField(parse: (input: string | number) => number, what: string) {
  return z.union([z.string(), z.number()]).transform((input, ctx) => {
    if (typeof input === 'number' && input < 0) {
      ctx.addIssue({ code: 'custom', message: `${what} cannot be negative, got ${input}`, input });
      return z.NEVER;
    }
    try {
      return parse(input);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message, input });
      return z.NEVER;
    }
  });
}

/** A duration (`200ms`, `30m`, `1h30m`) in milliseconds. */
export const durationMs = () => unitField(parseDuration, 'a duration');
/** A size (`256MB`, `1GiB`) in bytes. */
export const sizeBytes = () => unitField(parseSize, 'a size');
/** A rate (`200/s`, `600000/min`, `375 tps`) per second. */
export const ratePerSecond = () => unitField(parseRate, 'a rate');
/** A count (`420000`, `420,000`, `1.5M`). */
export const count = () => unitField(parseCount, 'a count');
/** An amount of money (`$63.67`). */
export const money = () => unitField(parseMoney, 'an amount');
/** A percentage (`25%`) or fraction (0.25), as a fraction. */
export const fraction = () => unitField(parsePercent, 'a percentage');
/** A share of a whole (`25%` or 0.25) as a fraction from 0 to 1: a probability or a rate of events. */
export const share = () =>
  fraction().superRefine((value, ctx) => {
    if (value > 1) ctx.addIssue({ code: 'custom', message: `must be at most 100%, got ${Math.round(value * 1e4) / 100}%`, input: value });
  });
/** A strictly positive number. */
export const positive = () => z.number().positive();
