import { z } from 'zod';
import { common, tps } from '../config-parts.ts';
import { FixedWindowLimiter, UnlimitedLimiter } from '../limiters.ts';
import { smsPlugin } from '../providers/sms.ts';
import { perWindow } from './shared.ts';
import type { MockKind } from './types.ts';

/** The gateway's defaults: 300 recipients a second per account, one registered sender number. */
export const SMS_DEFAULTS = { tps: 300, appKey: 'floodgate-app', secretKey: null, sendNos: ['15880000'] } as const;

/** A Korean SMS/LMS gateway (NHN Cloud SMS-like): recipients per second per account, sender numbers. */
export const SmsConfig = z
  .object({
    kind: z.literal('sms'),
    tps: tps(SMS_DEFAULTS.tps),
    appKey: z.string().default(SMS_DEFAULTS.appKey),
    secretKey: z.string().nullable().default(SMS_DEFAULTS.secretKey),
    /** Registered sender numbers (발신번호): a send from any other is refused. */
    sendNos: z
      .array(z.string())
      .min(1)
      .default([...SMS_DEFAULTS.sendNos]),
    ...common,
  })
  .strict();
export type SmsConfig = z.output<typeof SmsConfig>;

/** The SMS gateway mock: a fixed one-second window aligned to the epoch. */
export const smsKind = {
  kind: 'sms',
  config: SmsConfig,
  plugin: smsPlugin,
  limiter: (c) => (c.tps === null ? new UnlimitedLimiter() : new FixedWindowLimiter(perWindow(c.tps, 1000), 1000, 'epoch')),
  limitKeys: ['tps'],
} as const satisfies MockKind<typeof SmsConfig>;
