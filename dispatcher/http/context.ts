import type { Clock } from '../../src/core/index.ts';
import { CHANNELS, PROVIDERS } from '../../src/core/index.ts';
import type { DispatcherConfig } from '../config.ts';
import type { Sender } from '../sender/sender.ts';
import type { Store } from '../store/store.ts';
import { ApiError } from './errors.ts';

/** What the routes share. */
export interface AppContext {
  config: DispatcherConfig;
  store: Store;
  senders: Map<string, Sender>;
  clock: Clock;
}

/** Resolves a request's channel and optional provider to a configured provider account. */
export function resolveProvider(config: DispatcherConfig, channel: string, provider: string | undefined): string {
  if (!(CHANNELS as readonly string[]).includes(channel)) {
    throw new ApiError('unknown_channel', `channel: unknown channel "${channel}" (known: ${CHANNELS.join(', ')})`);
  }
  const serving = Object.entries(config.providers).filter(([, p]) => PROVIDERS[p.kind].channel === channel);
  if (provider !== undefined) {
    const found = serving.find(([name]) => name === provider);
    if (!found) {
      const names = serving.map(([name]) => name).join(', ') || 'none';
      throw new ApiError('unknown_provider', `provider: "${provider}" is not a configured ${channel} provider (configured: ${names})`);
    }
    return provider;
  }
  const only = serving[0];
  if (serving.length !== 1 || !only) {
    throw new ApiError(
      'provider_required',
      serving.length === 0
        ? `channel: no provider is configured for "${channel}"`
        : `provider: "${channel}" has ${serving.length} providers; name one (${serving.map(([n]) => n).join(', ')})`,
    );
  }
  return only[0];
}
