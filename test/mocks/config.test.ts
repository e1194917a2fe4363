import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MocksConfig } from '../../mock-providers/index.ts';
import { parseYamlSource, validateSource } from '../../src/config/index.ts';
import { InputError } from '../../src/core/index.ts';

describe('mocks.yaml schema', () => {
  it('accepts the example in mock-providers/README.md', () => {
    const readme = readFileSync(new URL('../../mock-providers/README.md', import.meta.url), 'utf8');
    const example = /## Configuration[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1] as string;
    const config = validateSource(MocksConfig, parseYamlSource(example, 'README.md'));
    expect(Object.keys(config.providers)).toEqual(['kakao', 'text', 'push', 'mail', 'grid']);
    expect(config.providers.text).toMatchObject({ kind: 'sms', tps: 300, sendNos: ['15880000'] });
    expect(config.providers.push).toMatchObject({ kind: 'fcm', tps: 10_000, window: 60_000 });
    expect(config.providers.kakao).toMatchObject({
      latency: { median: 40, p99: 200 },
      faults: [{ probability: 0.01, status: 503 }, {}, {}, {}],
    });
  });

  it('defaults to one provider of each kind', () => {
    const config = MocksConfig.parse({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 0 });
    expect(Object.entries(config.providers).map(([name, p]) => [name, p.kind, p.tps])).toEqual([
      ['fcm', 'fcm', 10_000],
      ['ses', 'ses', 14],
      ['sendgrid', 'sendgrid', 600],
      ['alimtalk', 'alimtalk', 200],
      ['sms', 'sms', 300],
    ]);
  });

  it('parses its own output to itself (so run-time changes can merge and re-parse)', () => {
    const once = MocksConfig.parse({
      providers: { a: { kind: 'alimtalk', latency: { median: '40ms', p99: '1s' }, callbacks: { backoff: '2s' } } },
    });
    expect(MocksConfig.parse(once)).toEqual(once);
  });

  it.each([
    ['providers:\n  fcm:\n    kind: fcm\n    windw: 1s\n', 'providers.fcm.windw', 4],
    ['providers:\n  x:\n    kind: alimtalk\n    algorithm: leaky\n', 'providers.x.algorithm', 4],
    ['providers:\n  x:\n    kind: carrier-pigeon\n', 'providers.x.kind', 3],
  ])('reports %j at its key and line', (yaml, key, line) => {
    try {
      validateSource(MocksConfig, parseYamlSource(yaml, 'mocks.yaml'));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      const issue = (error as InputError).issues[0];
      expect(issue?.path.join('.')).toBe(key);
      expect(issue?.location?.line).toBe(line);
    }
  });
});
