import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.ts';
import { runCli } from '../../src/cli/main.ts';
import { cli } from '../helpers/cli.ts';

function io(signal: AbortSignal, cwd = process.cwd()) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = { text: '', err: '' };
  stdout.on('data', (c) => (out.text += c));
  stderr.on('data', (c) => (out.err += c));
  return { io: { stdout, stderr, env: {}, cwd, signal } satisfies CliIo, out };
}

describe('floodgate mock', () => {
  it('prints each base URL and the admin URL, serves until aborted, then exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fg-mock-'));
    writeFileSync(
      join(dir, 'mocks.yaml'),
      'seed: 1\nproviders:\n  kakao:\n    kind: alimtalk\n    tps: 200/s\n    latency: { median: 5ms, p99: 20ms }\n',
    );
    const controller = new AbortController();
    const { io: cliIo, out } = io(controller.signal, dir);
    const running = runCli(['mock', '--config', 'mocks.yaml', '--port', '0'], cliIo);
    while (!out.text.includes('Ctrl-C')) await new Promise((r) => setTimeout(r, 20));
    const admin = /admin\s+(http\S+)/.exec(out.text)?.[1];
    expect(out.text).toMatch(/kakao\s+http:\/\/127\.0\.0\.1:\d+\/kakao {2}\(alimtalk\)/);
    const stats = await (await fetch(`${admin}/kakao/stats`)).json();
    expect(stats).toMatchObject({ kind: 'alimtalk', limitPerSecond: 200 });
    controller.abort();
    expect(await running).toBe(0);
    expect(out.text).toContain('mock providers stopped');
  });

  it('names file, line and key for a bad mocks.yaml and exits 4', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fg-mock-'));
    const file = join(dir, 'mocks.yaml');
    writeFileSync(file, 'providers:\n  fcm:\n    kind: fcm\n    tsp: 10\n');
    const { code, err } = await cli(['mock', '--config', file]);
    expect(code).toBe(4);
    expect(err).toContain(`${file}:4:5 providers.fcm.tsp: unknown key \`tsp\` (did you mean \`tps\`?)`);
  });

  it('refuses a bad --port with exit 4', async () => {
    const { code, err } = await cli(['mock', '--port', 'abc']);
    expect(code).toBe(4);
    expect(err).toMatch(/--port expects a number/);
  });
});
