import type { ProviderConfig } from '../config.ts';
import { DISPATCHER_KINDS } from '../kinds/index.ts';
import type { ProviderClient } from './types.ts';

export type { BatchResult, ProviderClient, SendTemplate, SendUnit, UnitResult } from './types.ts';
export { renderContent } from './types.ts';

/** Creates the client for a provider account (its kind's module in `kinds/`). */
export function createProviderClient(config: ProviderConfig): ProviderClient {
  return (DISPATCHER_KINDS[config.kind].client as (c: ProviderConfig) => ProviderClient)(config);
}
