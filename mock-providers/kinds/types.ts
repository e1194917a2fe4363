import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import type { Limiter } from '../limiters.ts';
import type { ProviderPluginOptions } from '../providers/shared.ts';

/**
 * Everything the mock server needs of one provider kind: its config schema (with `kind` as the
 * literal discriminator), the fastify plugin that speaks its wire shape, and its limiter. One
 * module per kind in `kinds/`, listed in `kinds/index.ts`.
 */
export interface MockKind<Schema extends z.ZodObject = z.ZodObject> {
  /** The registered kind (src/core/providers.ts) this module serves. */
  readonly kind: string;
  readonly config: Schema;
  readonly plugin: FastifyPluginAsync<ProviderPluginOptions>;
  /** The limiter a parsed config describes, in the provider's own shape. */
  limiter(config: z.output<Schema>): Limiter;
  /** Config keys whose change at run time restarts the limiter (its state is lost). */
  readonly limitKeys: readonly (keyof z.output<Schema> & string)[];
}
