import { z } from 'zod';
import { count } from '../../src/core/index.ts';
import { common, ms, tps } from '../config-parts.ts';
import { AllOfLimiter, type Limiter, RollingQuota, TokenBucketLimiter } from '../limiters.ts';
import { sesPlugin } from '../providers/ses.ts';
import type { MockKind } from './types.ts';

/** SES's defaults: a sandbox-sized account, 14 recipients a second and 50,000 a rolling day. */
export const SES_DEFAULTS = { tps: 14, quota: 50_000, quotaWindow: 86_400_000 } as const;

/** Amazon SES v2: recipients in a token bucket that may go into debt, plus a rolling quota. */
export const SesConfig = z
  .object({
    kind: z.literal('ses'),
    tps: tps(SES_DEFAULTS.tps),
    quota: z.union([z.null(), count()]).default(SES_DEFAULTS.quota),
    quotaWindow: ms().default(SES_DEFAULTS.quotaWindow),
    ...common,
  })
  .strict();
export type SesConfig = z.output<typeof SesConfig>;

/**
 * SES: a rolling quota (checked first, so its message wins) and a token bucket with debt.
 * The quota counter is kept even without a quota (limit Infinity): it is what
 * `GetSendQuota`/`GetAccount` report as SentLast24Hours.
 */
function sesLimiter(config: SesConfig): Limiter {
  const quota = new RollingQuota(config.quota ?? Number.POSITIVE_INFINITY, config.quotaWindow);
  if (config.tps === null) return quota;
  return new AllOfLimiter([quota, new TokenBucketLimiter(config.tps, config.tps, true)]);
}

/** The SES mock (v2 JSON and v1 Query API on one account). */
export const sesKind = {
  kind: 'ses',
  config: SesConfig,
  plugin: sesPlugin,
  limiter: sesLimiter,
  limitKeys: ['tps', 'quota', 'quotaWindow'],
} as const satisfies MockKind<typeof SesConfig>;
