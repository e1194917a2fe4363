import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDispatcher, parseDispatcherConfig } from '../../../dispatcher/index.ts';
import { createMockProviders, type ProviderConfig as ParsedProviderConfig, ProviderConfig } from '../../../mock-providers/index.ts';
import { parseConfigObject } from '../../core/index.ts';
import type { StartEmbeddedSystem } from '../../runner/index.ts';
import { startDispatcherInstances } from './embedded-instances.ts';

/**
 * Starts floodgate's mock providers from `scenario.system.providers` (each entry is a mock
 * config; `url` entries are external and never reach here) and, unless `--target` names the
 * user's dispatcher, the reference dispatcher in front of them: one account per mock, named
 * like it, sending to the mock's URL (paced at the mock's `tps` when it has one), with an
 * in-memory outbox. `system.dispatcherConfig` is merged over that (its `providers` per name).
 * A mock with `callbacks` reports back to the dispatcher's `/v1/reports/<name>`. With
 * `system.dispatcherInstances: N` (N > 1) the dispatcher is N processes on the PostgreSQL outbox
 * `dispatcherConfig.db` behind a round-robin front whose `/metrics` labels each instance's series.
 */
export const startEmbeddedSystem: StartEmbeddedSystem = async (system, options) => {
  // One provider config, parsed once with the mocks' own defaults and handed to both the mock and
  // the dispatcher's account, so the two always agree on the limit (a provider given only `kind`
  // is paced at its mock's default limit, not sent unpaced into it).
  const mockConfigs: Record<string, ParsedProviderConfig> = {};
  for (const [name, config] of Object.entries(system.providers)) {
    if (config.url) continue;
    const { url: _external, ...mock } = config as Record<string, unknown>;
    mockConfigs[name] = parseConfigObject(ProviderConfig, mock, `system.providers.${name}`);
  }
  const mocks = createMockProviders({ providers: mockConfigs } as Parameters<typeof createMockProviders>[0]);
  const { urls, adminUrl } = await mocks.listen();
  const origin = adminUrl.replace(/\/__mock$/, '');
  const providers = Object.fromEntries(Object.values(mocks.providers).map((p) => [p.name, { adminUrl: origin, kind: p.kind }]));
  if (!options.withDispatcher) return { kind: 'embedded', targetUrl: origin, providers, close: () => mocks.close() };
  let stopStore: () => void = () => undefined;
  try {
    const extra = (system.dispatcherConfig ?? {}) as Record<string, unknown>;
    const extraProviders = (extra.providers ?? {}) as Record<string, Record<string, unknown>>;
    const accounts: Record<string, Record<string, unknown>> = {};
    for (const [name, mock] of Object.entries(mockConfigs)) {
      const tps = mock.tps === null ? {} : { tps: mock.tps };
      accounts[name] = {
        kind: mock.kind,
        baseUrl: urls[name],
        ...tps,
        // The mock's 24-hour quota is the account's, so the dispatcher pauses where SES would refuse.
        ...(mock.kind === 'ses' && mock.quota !== null ? { dailyQuota: { limit: mock.quota, window: `${mock.quotaWindow}ms` } } : {}),
        ...(Object.hasOwn(extraProviders, name) ? extraProviders[name] : {}),
      };
    }
    const input = { db: ':memory:', port: 0, ...extra, token: system.token, providers: accounts };
    const config = parseDispatcherConfig(input);
    const instances = system.dispatcherInstances ?? 1;
    // A restart needs the dispatcher in a process of its own, on a store that outlives it.
    const store = options.restartable ? durableStore(input.db) : undefined;
    if (store) stopStore = store.remove;
    // One process in this one; several (or a restartable one) as processes of their own on one outbox.
    const dispatcher =
      instances > 1 || store
        ? await startDispatcherInstances({ ...input, db: store?.db ?? input.db, port: 0 }, instances)
        : createDispatcher(config);
    const targetUrl = ('instances' in dispatcher ? dispatcher.url : await dispatcher.listen()).replace(/\/+$/, '');
    for (const [name, mock] of Object.entries(mockConfigs)) {
      const raw = system.providers[name] as Record<string, unknown>;
      // Any kind with delivery reports (a `callbacks` key in its mock config) reports to the dispatcher.
      const callbacks = 'callbacks' in mock && raw.callbacks ? mock.callbacks : null;
      if (callbacks) {
        mocks.providers[name]?.reconfigure({
          callbacks: { ...callbacks, url: `${targetUrl}/v1/reports/${name}?token=${system.token}` },
        } as never);
      }
    }
    return {
      kind: 'embedded',
      targetUrl,
      providers,
      ...('restart' in dispatcher ? { restart: ({ instance, signal, downMs }) => dispatcher.restart(instance, signal, downMs) } : {}),
      close: async () => {
        await dispatcher.close();
        await mocks.close();
        stopStore();
      },
    };
  } catch (error) {
    await mocks.close();
    stopStore();
    throw error;
  }
};

/**
 * The store a restarted dispatcher comes back to: a PostgreSQL URL or a SQLite file as given, or,
 * for an in-memory outbox (which a kill would erase), a SQLite file in a temporary folder that
 * `remove` deletes at the end.
 */
function durableStore(db: unknown): { db: string; remove: () => void } {
  if (typeof db === 'string' && db !== ':memory:' && db !== '') return { db, remove: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-outbox-'));
  return { db: join(dir, 'outbox.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
