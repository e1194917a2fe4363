import { z } from 'zod';
import { createSmsClient } from '../providers/sms.ts';
import { accountFields } from './account.ts';
import type { DispatcherKind } from './types.ts';

/** An SMS gateway account. */
export const SmsAccount = z
  .object({
    kind: z.literal('sms'),
    ...accountFields,
    appKey: z.string().min(1).prefault('floodgate-app'),
    secretKey: z.string().min(1).prefault('floodgate-secret'),
    /** The registered sender number (발신번호). */
    sendNo: z.string().min(3).prefault('15880000'),
    /** The title of a text long enough to go as an LMS. */
    lmsTitle: z.string().prefault('알림'),
    /** Texts by template name, with `#{var}` parameters (an SMS gateway keeps no templates). */
    templates: z.record(z.string(), z.string()).prefault({ welcome: '안녕하세요 #{name}님, floodgate에 오신 것을 환영합니다.' }),
    /** Recipients per request (the gateway allows up to 1,000). */
    batchSize: z.number().int().min(1).max(1000).default(1000),
  })
  .strict();
/** A validated SMS account. */
export type SmsAccount = z.output<typeof SmsAccount>;

/** The SMS/LMS gateway client, batches capped at a tenth of the TPS like the broker's. */
export const smsKind = {
  kind: 'sms',
  config: SmsAccount,
  client(config) {
    const paced = config.tps ? Math.max(1, Math.floor(config.tps / 10)) : config.batchSize;
    return createSmsClient(config, Math.min(config.batchSize, paced));
  },
} as const satisfies DispatcherKind<typeof SmsAccount>;
