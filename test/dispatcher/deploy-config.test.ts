import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAccounts, DispatcherConfigObject } from '../../dispatcher/index.ts';
import { loadConfigFile } from '../../src/config/index.ts';

/** As `floodgate dispatcher --config` reads a file: the token may come from FLOODGATE_DISPATCHER_TOKEN instead. */
const DispatcherConfigFile = DispatcherConfigObject.extend({ token: DispatcherConfigObject.shape.token.optional() }).superRefine(
  checkAccounts,
);

describe('deploy/dispatcher.yaml', () => {
  it('validates against the dispatcher schema and reaches every mock it names', async () => {
    const config = await loadConfigFile(DispatcherConfigFile, join(import.meta.dirname, '..', '..', 'deploy', 'dispatcher.yaml'));
    expect(config.host).toBe('0.0.0.0');
    // The token is compose's FLOODGATE_DISPATCHER_TOKEN, shared with the runner: never a second copy here.
    expect(config.token).toBeUndefined();
    expect(Object.values(config.providers).map((p) => p.baseUrl)).toEqual([
      'http://mocks:9090/ses',
      'http://mocks:9090/fcm',
      'http://mocks:9090/alimtalk',
    ]);
  });
});
