import type { z } from 'zod';
import type { ProviderClient } from '../providers/types.ts';

/**
 * Everything the dispatcher needs of one provider kind: the account's config schema (with `kind`
 * as the literal discriminator) and the client that speaks the provider's wire shape. One module
 * per kind in `kinds/`, listed in `kinds/index.ts`.
 */
export interface DispatcherKind<Schema extends z.ZodObject = z.ZodObject> {
  /** The registered kind (src/core/providers.ts) this module serves. */
  readonly kind: string;
  readonly config: Schema;
  /** The client for one account of this kind. */
  client(config: z.output<Schema>): ProviderClient;
}
