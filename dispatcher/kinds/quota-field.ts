import { z } from 'zod';
import { parseCount, parseDuration } from '../../src/core/index.ts';

/** An account's send quota over a rolling window (SES's `Max24HourSend` per 24 h). */
export interface SendQuotaConfig {
  /** Units (the provider's unit, as `tps` counts them) the provider admits within `windowMs`. */
  limit: number;
  /** The rolling window, ms (24 h for SES). */
  windowMs: number;
}

const DAY_MS = 86_400_000;

/**
 * Parses `50000/24h`, `50,000/1d` or a bare count (per 24 h) into a {@link SendQuotaConfig}. Written
 * as a count over a duration, not as a rate: 50,000 a day is not 0.58/s (the provider lets the
 * whole day's quota go in the first hour).
 */
export function parseSendQuota(input: string | number): SendQuotaConfig {
  if (typeof input === 'number') return { limit: parseCount(input), windowMs: DAY_MS };
  const slash = /^(.+?)\s*\/\s*(.+)$/.exec(input.trim());
  if (!slash) return { limit: parseCount(input), windowMs: DAY_MS };
  const window = /^[a-z]/i.test(slash[2] as string) ? `1${slash[2]}` : (slash[2] as string);
  return { limit: parseCount(slash[1] as string), windowMs: parseDuration(window) };
}

/** The `dailyQuota` account field: `50000/24h` (or `{limit, window}`), validated into a {@link SendQuotaConfig}. */
export const sendQuotaField = () =>
  z
    .union([
      z.string(),
      z.number(),
      z.object({ limit: z.union([z.string(), z.number()]), window: z.union([z.string(), z.number()]) }).strict(),
    ])
    .transform((input, ctx) => {
      try {
        const q =
          typeof input === 'object' ? { limit: parseCount(input.limit), windowMs: parseDuration(input.window) } : parseSendQuota(input);
        if (!(q.limit >= 1) || !Number.isSafeInteger(q.limit))
          throw new Error(`the quota must be a whole number of at least 1, got ${q.limit}`);
        if (!(q.windowMs >= 1)) throw new Error(`the quota window must be at least 1 ms, got ${q.windowMs}`);
        return q;
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `a send quota such as 50000/24h: ${(error as Error).message}`, input });
        return z.NEVER;
      }
    });
