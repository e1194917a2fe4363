import { z } from 'zod';
import { common, ms, tps } from '../config-parts.ts';
import { FixedWindowLimiter, UnlimitedLimiter } from '../limiters.ts';
import { fcmPlugin } from '../providers/fcm.ts';
import { perWindow } from './shared.ts';
import type { MockKind } from './types.ts';

/** FCM's defaults: 600,000 messages a minute per project, in a window opened by the first message. */
export const FCM_DEFAULTS = { tps: 10_000, window: 60_000, projectId: null } as const;

/** FCM HTTP v1: messages in a window that opens at the first message. */
export const FcmConfig = z
  .object({
    kind: z.literal('fcm'),
    tps: tps(FCM_DEFAULTS.tps),
    window: ms().default(FCM_DEFAULTS.window),
    projectId: z.string().nullable().default(FCM_DEFAULTS.projectId),
    ...common,
  })
  .strict();
export type FcmConfig = z.output<typeof FcmConfig>;

/** The FCM mock. */
export const fcmKind = {
  kind: 'fcm',
  config: FcmConfig,
  plugin: fcmPlugin,
  limiter: (c) => (c.tps === null ? new UnlimitedLimiter() : new FixedWindowLimiter(perWindow(c.tps, c.window), c.window, 'first')),
  limitKeys: ['tps', 'window'],
} as const satisfies MockKind<typeof FcmConfig>;
