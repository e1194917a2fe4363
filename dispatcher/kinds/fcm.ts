import { z } from 'zod';
import { createFcmClient } from '../providers/fcm.ts';
import { accountFields } from './account.ts';
import type { DispatcherKind } from './types.ts';

/** An FCM project. */
export const FcmAccount = z
  .object({
    kind: z.literal('fcm'),
    ...accountFields,
    projectId: z.string().min(1).prefault('floodgate'),
    accessToken: z.string().min(1).prefault('floodgate-token'),
  })
  .strict();
/** A validated Fcm account. */
export type FcmAccount = z.output<typeof FcmAccount>;

/** FCM HTTP v1, one message a request. */
export const fcmKind = { kind: 'fcm', config: FcmAccount, client: createFcmClient } as const satisfies DispatcherKind<typeof FcmAccount>;
