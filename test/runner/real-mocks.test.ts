import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockProviders, type MockProviders } from '../../mock-providers/index.ts';
import { startEmbeddedSystem } from '../../src/cli/run/embedded.ts';
import { parseYamlSource, Scenario, validateSource } from '../../src/config/index.ts';
import { Result } from '../../src/core/index.ts';
import { beginMockSession } from '../../src/runner/index.ts';
import { cli } from '../helpers/cli.ts';

let mocks: MockProviders | undefined;
let server: Server | undefined;
let dir: string | undefined;
afterEach(async () => {
  await mocks?.close();
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((r) => server?.close(() => r()));
  }
  if (dir) await rm(dir, { recursive: true, force: true });
  mocks = undefined;
  server = undefined;
  dir = undefined;
});

/** A dispatcher stand-in: on POST /v1/campaigns it sends every recipient to the FCM mock, recipient 3 twice. */
async function standInDispatcher(fcmUrl: string): Promise<string> {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      if (req.url !== '/v1/campaigns') return void res.writeHead(404).end();
      const { generator: recipients } = JSON.parse(text) as { generator: { count: number; pattern: string } };
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'c1', accepted: recipients.count }));
      void (async () => {
        for (let i = 0; i < recipients.count; i++) {
          const token = recipients.pattern.replace('{n}', String(i));
          for (let n = 0; n < (i === 3 ? 2 : 1); n++) {
            const r = await request(`${fcmUrl}/v1/projects/p1/messages:send`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
              body: JSON.stringify({ message: { token, notification: { title: 'hi', body: 'there' } } }),
            });
            await r.body.dump();
          }
        }
      })();
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('against the real mock providers', () => {
  it('tracks a campaign through the FCM mock ledger: delivered, duplicated, provider stats', { timeout: 20_000 }, async () => {
    mocks = createMockProviders({ providers: { fcm: { kind: 'fcm' } } });
    const { urls, adminUrl } = await mocks.listen();
    const dispatcher = await standInDispatcher(urls.fcm as string);
    dir = await mkdtemp(join(tmpdir(), 'fg-mocks-'));
    const file = join(dir, 's.yaml');
    await writeFile(
      file,
      [
        'name: push',
        'system:',
        `  dispatcher: ${dispatcher}`,
        `  providers: { fcm: { kind: fcm, url: "${adminUrl.replace(/\/__mock$/, '')}" } }`,
        'load:',
        '  - campaign: { name: promo, channel: push, provider: fcm, recipients: 10, template: promo, poll: 100ms, deadline: 10s }',
        'thresholds:',
        '  campaign.promo.lost: "== 0"',
        '  provider.fcm.duplicates: "== 1"',
        '',
      ].join('\n'),
    );
    const { code, out, err } = await cli(['run', file, '--out', join(dir, 'out')]);
    expect(err).toBe('');
    const result = Result.parse(JSON.parse(await readFile(join(dir, 'out', 'result.json'), 'utf8')));
    expect(result.campaigns[0]).toMatchObject({ name: 'promo', provider: 'fcm', accepted: 10, delivered: 10, lost: 0, duplicated: 1 });
    expect(result.campaigns[0]?.drainTime).not.toBeNull();
    expect(result.providers.fcm).toMatchObject({ kind: 'fcm', admitted: 11, duplicates: 1 });
    expect(result.thresholds.every((t) => t.ok)).toBe(true);
    // The thresholds expect the duplicate, but the gate's built-in check fails any duplicate.
    expect(code).toBe(1);
    expect(out).toMatch(/^FAIL: 1 of \d+ correctness checks failed: fcm: 1 recipient\(s\) got the same message more than once/);
  });

  it('starts the mocks embedded from the scenario and serves stats to the ledger source', { timeout: 10_000 }, async () => {
    const s = validateSource(
      Scenario,
      parseYamlSource(
        'name: a\nsystem: { providers: { alimtalk: { kind: alimtalk, tps: 200 } } }\nload:\n  - phases: { target: GET /, stages: [ { duration: 1s, rate: 1 } ] }\n',
        's.yaml',
      ),
    );
    const sut = await startEmbeddedSystem(s.system, { withDispatcher: false });
    try {
      const session = await beginMockSession(sut.providers, { name: 's', timeout: 2000 });
      expect(await session.stats('alimtalk')).toMatchObject({ kind: 'alimtalk', admitted: 0, delivered: 0 });
      expect(await session.deliveries('alimtalk', 0)).toMatchObject({ cursor: 0, head: 0, entries: [] });
      expect(await session.end()).toEqual([]);
    } finally {
      await sut.close();
    }
  });
});
