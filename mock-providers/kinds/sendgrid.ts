import { z } from 'zod';
import { common, ms, tps } from '../config-parts.ts';
import { FixedWindowLimiter, UnlimitedLimiter } from '../limiters.ts';
import { sendgridPlugin } from '../providers/sendgrid.ts';
import { perWindow } from './shared.ts';
import type { MockKind } from './types.ts';

/** SendGrid's defaults: 600 requests a second, in windows aligned to the epoch. */
export const SENDGRID_DEFAULTS = { tps: 600, window: 1_000 } as const;

/** SendGrid v3: requests in a fixed window aligned to the epoch. */
export const SendgridConfig = z
  .object({
    kind: z.literal('sendgrid'),
    tps: tps(SENDGRID_DEFAULTS.tps),
    window: ms().default(SENDGRID_DEFAULTS.window),
    ...common,
  })
  .strict();
export type SendgridConfig = z.output<typeof SendgridConfig>;

/** The SendGrid mock. */
export const sendgridKind = {
  kind: 'sendgrid',
  config: SendgridConfig,
  plugin: sendgridPlugin,
  limiter: (c) => (c.tps === null ? new UnlimitedLimiter() : new FixedWindowLimiter(perWindow(c.tps, c.window), c.window, 'epoch')),
  limitKeys: ['tps', 'window'],
} as const satisfies MockKind<typeof SendgridConfig>;
