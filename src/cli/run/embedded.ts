import { createMockProviders } from '../../../mock-providers/index.ts';
import { InputError } from '../../core/index.ts';
import type { StartEmbeddedSystem } from '../../runner/index.ts';

/**
 * Starts floodgate's mock providers from `scenario.system.providers` (each entry is a mock
 * config; `url` entries are external and never reach here). WIRING POINT: the embedded
 * reference dispatcher (`createDispatcher` from dispatcher/) is not merged yet, so a scenario
 * that needs it is refused with a clear message; `--target URL` with embedded mocks works.
 */
export const startEmbeddedMocks: StartEmbeddedSystem = async (system, options) => {
  if (options.withDispatcher) {
    throw new InputError(
      'FG_INPUT_INVALID',
      'this floodgate build cannot start the embedded dispatcher yet; pass --target URL (your dispatcher) or set system.dispatcher to a URL',
    );
  }
  const providers: Record<string, Record<string, unknown>> = {};
  for (const [name, config] of Object.entries(system.providers)) {
    if (config.url) continue;
    const { url: _external, ...mock } = config as Record<string, unknown>;
    providers[name] = mock;
  }
  const mocks = createMockProviders({ providers } as Parameters<typeof createMockProviders>[0]);
  const { adminUrl } = await mocks.listen();
  const origin = adminUrl.replace(/\/__mock$/, '');
  return {
    kind: 'embedded',
    targetUrl: origin,
    providers: Object.fromEntries(Object.values(mocks.providers).map((p) => [p.name, { adminUrl: origin, kind: p.kind }])),
    close: () => mocks.close(),
  };
};
