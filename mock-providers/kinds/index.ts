import type { ProviderKind } from '../../src/core/index.ts';
import { alimtalkKind } from './alimtalk.ts';
import { fcmKind } from './fcm.ts';
import { sendgridKind } from './sendgrid.ts';
import { sesKind } from './ses.ts';
import { smsKind } from './sms.ts';
import type { MockKind } from './types.ts';

/**
 * The mock of every registered provider kind (src/core/providers.ts). Typed over ProviderKind, so a
 * kind registered in core and missing here does not compile. Adding one: docs/adding-a-provider.md.
 */
export const MOCK_KINDS = {
  fcm: fcmKind,
  ses: sesKind,
  sendgrid: sendgridKind,
  alimtalk: alimtalkKind,
  sms: smsKind,
} as const satisfies { [K in ProviderKind]: MockKind & { kind: K } };

/** The kinds' config schemas, as the tuple a discriminated union is built from. */
export const MOCK_KIND_CONFIGS = [fcmKind.config, sesKind.config, sendgridKind.config, alimtalkKind.config, smsKind.config] as const;

export type { MockKind } from './types.ts';
