import { z } from 'zod';
import { createSendgridClient } from '../providers/sendgrid.ts';
import { accountFields } from './account.ts';
import type { DispatcherKind } from './types.ts';

/** A SendGrid account. */
export const SendgridAccount = z
  .object({
    kind: z.literal('sendgrid'),
    ...accountFields,
    apiKey: z.string().min(1).prefault('floodgate-key'),
    from: z.string().min(3).prefault('noreply@floodgate.test'),
  })
  .strict();
/** A validated Sendgrid account. */
export type SendgridAccount = z.output<typeof SendgridAccount>;

/** SendGrid v3 mail send, one recipient a request. */
export const sendgridKind = {
  kind: 'sendgrid',
  config: SendgridAccount,
  client: createSendgridClient,
} as const satisfies DispatcherKind<typeof SendgridAccount>;
