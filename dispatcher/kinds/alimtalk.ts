import { z } from 'zod';
import { createAlimtalkClient } from '../providers/alimtalk.ts';
import { accountFields } from './account.ts';
import type { DispatcherKind } from './types.ts';

/** An Alimtalk broker account. */
export const AlimtalkAccount = z
  .object({
    kind: z.literal('alimtalk'),
    ...accountFields,
    appKey: z.string().min(1).prefault('floodgate-app'),
    secretKey: z.string().min(1).prefault('floodgate-secret'),
    senderKey: z.string().min(1).prefault('floodgate-sender'),
    /**
     * Another account (an SMS one) to send to the recipients Kakao cannot reach (3019, not a KakaoTalk
     * user): each gets that account's text instead, exactly once.
     */
    fallback: z.string().optional(),
    /** Recipients per request (the broker allows up to 1,000); the limiter counts recipients. */
    batchSize: z.number().int().min(1).max(1000).default(1000),
  })
  .strict();
/** A validated Alimtalk account. */
export type AlimtalkAccount = z.output<typeof AlimtalkAccount>;

/**
 * The broker client. Batches are capped at a tenth of the TPS so a limited account is paced in
 * ~100 ms steps rather than one burst a second.
 */
export const alimtalkKind = {
  kind: 'alimtalk',
  config: AlimtalkAccount,
  client(config) {
    const paced = config.tps ? Math.max(1, Math.floor(config.tps / 10)) : config.batchSize;
    return createAlimtalkClient(config, Math.min(config.batchSize, paced));
  },
} as const satisfies DispatcherKind<typeof AlimtalkAccount>;
