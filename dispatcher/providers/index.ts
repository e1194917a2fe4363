import type { ProviderConfig } from '../config.ts';
import { createAlimtalkClient } from './alimtalk.ts';
import { createFcmClient } from './fcm.ts';
import { createSendgridClient } from './sendgrid.ts';
import { createSesClient } from './ses.ts';
import type { ProviderClient } from './types.ts';

export type { BatchResult, ProviderClient, SendTemplate, SendUnit, UnitResult } from './types.ts';
export { renderContent } from './types.ts';

/**
 * Creates the client for a provider account. Batches are capped at a tenth of the TPS so a
 * limited account is paced in ~100 ms steps rather than one burst a second.
 */
export function createProviderClient(config: ProviderConfig): ProviderClient {
  switch (config.kind) {
    case 'alimtalk': {
      const paced = config.tps ? Math.max(1, Math.floor(config.tps / 10)) : config.batchSize;
      return createAlimtalkClient(config, Math.min(config.batchSize, paced));
    }
    case 'fcm':
      return createFcmClient(config);
    case 'ses':
      return createSesClient(config);
    case 'sendgrid':
      return createSendgridClient(config);
  }
}
