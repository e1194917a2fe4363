import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DispatcherConfig } from '../../dispatcher/index.ts';
import { loadConfigFile } from '../../src/config/index.ts';

describe('deploy/dispatcher.yaml', () => {
  it('validates against the dispatcher schema and reaches every mock it names', async () => {
    const config = await loadConfigFile(DispatcherConfig, join(import.meta.dirname, '..', '..', 'deploy', 'dispatcher.yaml'));
    expect(config.host).toBe('0.0.0.0');
    expect(Object.values(config.providers).map((p) => p.baseUrl)).toEqual([
      'http://mocks:9090/ses',
      'http://mocks:9090/fcm',
      'http://mocks:9090/alimtalk',
    ]);
  });
});
