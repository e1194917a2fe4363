import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMockProviders } from '../../mock-providers/index.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { runCli } from '../../src/cli/main.ts';
import { Result } from '../../src/core/index.ts';
import { cli } from '../helpers/cli.ts';
import { type Sink, startSink } from '../helpers/sink.ts';

/** Tolerances wide enough that only a broken generator, not a busy machine, changes the verdict. */
const RELAXED = 'tolerances: { lagDegraded: 2s, lagInvalid: 20s, eventLoopLag: 20s, loopBusy: 100% }';

let dir: string;
let sink: Sink | undefined;
let server: Server | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fg-run-'));
});
afterEach(async () => {
  await sink?.close();
  sink = undefined;
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((r) => server?.close(() => r()));
  }
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function scenario(text: string): Promise<string> {
  const file = join(dir, 'scenario.yaml');
  await writeFile(file, text);
  return file;
}

async function readResult(path = join(dir, 'out', 'result.json')): Promise<Result> {
  return Result.parse(JSON.parse(await readFile(path, 'utf8')));
}

describe('floodgate run', () => {
  it('reports every scenario problem at once with file:line:column (exit 4)', async () => {
    const file = await scenario(
      [
        'name: broken',
        'load:',
        '  - phases:',
        '      target: GET /x/{{sqe}}',
        '      stages: [ { duration: 1s, rate: lots } ]',
        'thresholds:',
        '  http.latency.p95: "< 200 parsecs"',
        '  provider.alimtlk.duplicates: "== 0"',
        'maxInFlght: 10',
        '',
      ].join('\n'),
    );
    const { code, err } = await cli(['run', file, '--out', join(dir, 'out')]);
    expect(code).toBe(4);
    const lines = err.split('\n').filter((l) => l.startsWith('  '));
    expect(lines).toEqual([
      expect.stringMatching(/scenario\.yaml:5:39 load\[0\]\.phases\.stages\[0\]\.rate: "lots" is not a rate/),
      expect.stringMatching(/scenario\.yaml:7:21 thresholds\.http\.latency\.p95: .*parsecs/),
      expect.stringMatching(/scenario\.yaml:8:32 thresholds\.provider\.alimtlk\.duplicates: no provider named `alimtlk`/),
      expect.stringMatching(/scenario\.yaml:9:1 maxInFlght: unknown key `maxInFlght` \(did you mean `maxInFlight`\?\)/),
    ]);
  });

  it('names unknown template fields before the run', async () => {
    const file = await scenario('name: t\nload:\n  - phases: { target: "GET /x/{{sqe}}", stages: [ { duration: 1s, rate: 1 } ] }\n');
    const { code, err } = await cli(['run', file, '--target', 'http://127.0.0.1:9']);
    expect(code).toBe(4);
    expect(err).toMatch(/scenario\.yaml:3:23 load\[0\]\.phases\.target: unknown template field \{\{sqe\}\}/);
  });

  it('fails fast with exit 3 when the target is unreachable', async () => {
    const closed = await startSink();
    const url = closed.url;
    await closed.close();
    const file = await scenario('name: t\nload:\n  - phases: { target: GET /, stages: [ { duration: 10s, rate: 10 } ] }\n');
    const { code, err } = await cli(['run', file, '--target', url, '--out', join(dir, 'out')]);
    expect(code).toBe(3);
    expect(err).toMatch(/cannot be reached \(ECONNREFUSED/);
  });

  it('runs against a sink, gates thresholds and writes a valid result', { timeout: 20_000 }, async () => {
    sink = await startSink(() => ({ delay: 2 }));
    const file = await scenario(
      [
        'name: small',
        'load:',
        '  - phases:',
        '      templates:',
        '        - { weight: 1, path: /a }',
        '        - { weight: 3, method: POST, path: /b, body: { id: "{{uuid}}" } }',
        '      stages: [ { duration: 1s, rate: 40 } ]',
        'thresholds:',
        '  http.latency.p95: "< 2s"',
        '  http.errors: "rate(errors) < 1%"',
        '  http.requests: "== 40"',
        // This test checks plumbing, not timing: a loaded CI machine must not flip the verdict.
        RELAXED,
        '',
      ].join('\n'),
    );
    const { code, out } = await cli(['run', file, '--target', sink.url, '--out', join(dir, 'out'), '--json']);
    const summary = JSON.parse(out);
    expect(summary).toMatchObject({ status: 'pass', exitCode: 0, result: join(dir, 'out', 'result.json') });
    expect(code).toBe(0);
    const result = await readResult();
    expect(result.http.requests).toBe(40);
    expect(result.thresholds.map((t) => t.ok)).toEqual([true, true, true]);
    expect(result.meta).toMatchObject({ scale: 1, aborted: false, target: { kind: 'external', url: sink.url } });
    expect(sink.paths.filter((p) => p === 'GET /a').length).toBe(10);
    expect(result.timeline[0]?.intended).toBe(40);
  });

  it('exits 1 when a threshold fails', { timeout: 20_000 }, async () => {
    sink = await startSink(() => ({ status: 503 }));
    const file = await scenario(
      `name: t\nload:\n  - phases: { target: GET /, stages: [ { duration: 500ms, rate: 20 } ] }\nthresholds:\n  http.errors: "== 0"\n${RELAXED}\n`,
    );
    const { code, out } = await cli(['run', file, '--target', sink.url, '--out', join(dir, 'out')]);
    expect(code).toBe(1);
    expect(out).toMatch(/^FAIL: 1 of 1 thresholds failed: http\.errors: == 0 \(actual 10 errors\) \(t, 0 s\)/);
    expect(out).toMatch(/FAIL http\.errors: == 0 \(actual 10 errors\)/);
  });

  it('ends INVALID with exit 3 when the machine cannot send the rate, and says why', { timeout: 30_000 }, async () => {
    sink = await startSink(() => ({ delay: 50 }));
    const file = await scenario(
      'name: too-fast\nload:\n  - phases: { target: GET /, stages: [ { duration: 1s, rate: 200000/s } ] }\nmaxInFlight: 500\ntimeouts: { drain: 2s }\n',
    );
    const { code, out } = await cli(['run', file, '--target', sink.url, '--out', join(dir, 'out')]);
    expect(code).toBe(3);
    expect(out).toMatch(/^INVALID: the run cannot be trusted: /);
    expect(out).toMatch(/the generator dropped \d+ of \d+ arrivals/);
    const result = await readResult();
    expect(result.validity.verdict).toBe('INVALID');
    expect(result.http.dropped).toBeGreaterThan(0);
  });

  it('on Ctrl-C stops the load and writes a result marked aborted', { timeout: 20_000 }, async () => {
    sink = await startSink();
    const file = await scenario('name: t\nload:\n  - phases: { target: GET /, stages: [ { duration: 30s, rate: 20 } ] }\n');
    const controller = new AbortController();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c) => (out += c));
    const io: CliIo = { stdout, stderr: new PassThrough(), env: {}, cwd: process.cwd(), signal: controller.signal };
    setTimeout(() => controller.abort(), 700);
    const code = await runCli(['run', file, '--target', sink.url, '--out', join(dir, 'out')], io);
    expect(code).toBe(3);
    expect(out).toMatch(/^INVALID: the run cannot be trusted: the run was aborted before its end/);
    const result = await readResult();
    expect(result.meta.aborted).toBe(true);
    expect(result.http.requests).toBeLessThan(100);
  });

  it('tracks a campaign on a long-lived mock: settings pushed and restored, a new-key retry is a duplicate', {
    timeout: 20_000,
  }, async () => {
    const mocks = createMockProviders({ providers: { alimtalk: { kind: 'alimtalk', dedupe: true } } });
    const { urls, adminUrl } = await mocks.listen();
    const mockOrigin = adminUrl.replace(/\/__mock$/, '');
    try {
      // A dispatcher floodgate did not write: it sends each recipient once, then retries w-3 with a NEW client key.
      server = createServer((req, res) => {
        req.resume();
        req.on('end', async () => {
          if (req.url !== '/v1/campaigns') return res.writeHead(404).end();
          const send = (list: { recipientNo: string; clientKey: string }[]) =>
            fetch(`${urls.alimtalk}/alimtalk/v2.3/appkeys/floodgate-app/messages`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                senderKey: 'floodgate-sender',
                templateCode: 'welcome',
                recipientList: list.map((r) => ({ ...r, templateParameter: { name: 'x' } })),
              }),
            });
          res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: 5 }));
          await send([1, 2, 3, 4, 5].map((i) => ({ recipientNo: `w-${i}`, clientKey: `k-${i}` })));
          await send([{ recipientNo: 'w-3', clientKey: 'k-3-retry' }]);
        });
      });
      await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const file = await scenario(
        [
          'name: cmp',
          'system:',
          `  dispatcher: ${url}`,
          `  mocks: ${mockOrigin}`,
          '  providers: { alimtalk: { kind: alimtalk, tps: 150 } }',
          'load:',
          '  - campaign: { name: welcome, channel: alimtalk, recipients: 5, pattern: "w-{seq}", template: welcome, poll: 100ms }',
          'thresholds:',
          '  campaign.welcome.lost: "== 0"',
          '  campaign.duplicated: "== 0"',
          '',
        ].join('\n'),
      );
      const { code, out } = await cli(['run', file, '--out', join(dir, 'out')]);
      const result = await readResult();
      expect(result.campaigns[0]).toMatchObject({ name: 'welcome', accepted: 5, delivered: 5, lost: 0, duplicated: 1 });
      expect(result.providers.alimtalk).toMatchObject({ admitted: 6, limitPerSecond: 150, duplicates: 1, duplicateDeliveries: 1 });
      expect(result.thresholds.map((t) => t.ok)).toEqual([true, false]);
      expect(out).toMatch(/FAIL provider\.alimtalk\.duplicates: alimtalk: 1 recipient\(s\) got the same message more than once/);
      expect(code).toBe(1);
      // The run's setting is gone again: the long-lived mock is back at its own limit.
      expect(mocks.providers.alimtalk?.stats().limitPerSecond).toBe(200);
    } finally {
      await mocks.close();
    }
  });
});

describe('floodgate run --scale', () => {
  it('shrinks durations and keeps the rate', { timeout: 20_000 }, async () => {
    sink = await startSink();
    const file = await scenario(
      `name: t\nload:\n  - phases: { target: GET /, stages: [ { duration: 2s, rate: 20 } ] }\nthresholds: { http.errors: "== 0" }\n${RELAXED}\n`,
    );
    const { code } = await cli(['run', file, '--target', sink.url, '--scale', '0.5', '--out', join(dir, 'out')]);
    expect(code).toBe(0);
    const result = await readResult();
    expect(result.http.requests).toBe(20);
    expect(result.meta.scale).toBe(0.5);
  });

  it.each([['0'], ['-1'], ['fast']])('refuses --scale %s (exit 4)', async (value) => {
    const file = await scenario('name: t\nload:\n  - phases: { target: GET /, stages: [ { duration: 1s, rate: 1 } ] }\n');
    const { code, err } = await cli(['run', file, '--scale', value, '--target', 'http://127.0.0.1:9']);
    expect(code).toBe(4);
    expect(err).toMatch(/--scale/);
  });
});
