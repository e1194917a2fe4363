import type { FastifyInstance } from 'fastify';
import { fcmPlugin } from './providers/fcm.ts';
import type { ProviderRuntime } from './runtime.ts';

/**
 * The FCM provider that also answers at the server's root, where firebase-admin sends
 * (`/v1/projects/{id}/messages:send`; its host and path are fixed, only the socket can be
 * redirected, see `mockHttpsAgent`): the provider named `fcm` if it is of kind fcm, else the
 * only provider of kind fcm, else none (several and none named `fcm` would be a guess).
 */
export function rootFcmRuntime(runtimes: ReadonlyMap<string, ProviderRuntime>): ProviderRuntime | null {
  const named = runtimes.get('fcm');
  if (named?.config.kind === 'fcm') return named;
  const fcm = [...runtimes.values()].filter((r) => r.config.kind === 'fcm');
  return fcm.length === 1 ? (fcm[0] as ProviderRuntime) : null;
}

/**
 * Mounts that FCM provider's routes at the root as well, sharing its runtime (limiter,
 * ledger, journal): a send through either path counts once, against the same limit.
 */
export async function sdkRootPlugin(app: FastifyInstance, { runtimes }: { runtimes: ReadonlyMap<string, ProviderRuntime> }): Promise<void> {
  const runtime = rootFcmRuntime(runtimes);
  if (runtime) await app.register(fcmPlugin, { runtime });
}
