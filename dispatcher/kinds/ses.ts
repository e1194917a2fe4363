import { z } from 'zod';
import { createSesClient } from '../providers/ses.ts';
import { accountFields } from './account.ts';
import type { DispatcherKind } from './types.ts';

/** An Amazon SES account (v2 API). */
export const SesAccount = z
  .object({
    kind: z.literal('ses'),
    ...accountFields,
    from: z.string().min(3).prefault('noreply@floodgate.test'),
  })
  .strict();
/** A validated Ses account. */
export type SesAccount = z.output<typeof SesAccount>;

/** SES v2 SendEmail, one recipient a request. */
export const sesKind = { kind: 'ses', config: SesAccount, client: createSesClient } as const satisfies DispatcherKind<typeof SesAccount>;
