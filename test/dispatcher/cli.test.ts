import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { cli } from '../helpers/cli.ts';
import { tempDir } from './harness.ts';

describe('floodgate dispatcher', () => {
  it('reports config errors with file:line:column and exit 4', async () => {
    const t = tempDir();
    try {
      const file = join(t.dir, 'bad.yaml');
      writeFileSync(file, 'token: abc\nprot: 8080\n');
      const { code, err } = await cli(['dispatcher', '--config', file]);
      expect(code).toBe(4);
      expect(err).toContain(`${file}:2:1 prot: unknown key \`prot\` (did you mean \`port\`?)`);
      expect(err).toContain(`${file}:1:8 token:`);
    } finally {
      t.cleanup();
    }
  });

  it('prints its URL, serves, and closes cleanly on Ctrl-C', async () => {
    const t = tempDir();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c) => {
      out += c;
    });
    const controller = new AbortController();
    const io = { stdout, stderr: new PassThrough(), env: {}, cwd: t.dir, signal: controller.signal };
    const run = runCli(['dispatcher', '--port', '0', '--db', join(t.dir, 'cli.db')], io);
    try {
      for (let i = 0; i < 500 && !out.includes('listening on'); i++) await new Promise((r) => setTimeout(r, 20)); // up to 10 s: a cold import of the dispatcher under load
      const url = /listening on (\S+)/.exec(out)?.[1];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(out).toMatch(/token: [0-9a-f]{32}/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      controller.abort();
      expect(await run).toBe(0);
      t.cleanup();
    }
    expect(out).toContain('stopped');
  });
  it('takes its token from FLOODGATE_DISPATCHER_TOKEN when the config file has none (docker-compose.yml relies on it)', async () => {
    const t = tempDir();
    const file = join(t.dir, 'no-token.yaml');
    writeFileSync(file, `db: ${JSON.stringify(join(t.dir, 'env.db'))}\nport: 0\n`);
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c) => {
      out += c;
    });
    const controller = new AbortController();
    const env = { FLOODGATE_DISPATCHER_TOKEN: 'token-from-the-environment' };
    const run = runCli(['dispatcher', '--config', file], { stdout, stderr: new PassThrough(), env, cwd: t.dir, signal: controller.signal });
    try {
      for (let i = 0; i < 500 && !out.includes('listening on'); i++) await new Promise((r) => setTimeout(r, 20)); // up to 10 s: a cold import of the dispatcher under load
      const url = /listening on (\S+)/.exec(out)?.[1];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(out).not.toMatch(/token:/);
      const post = (authorization?: string) =>
        fetch(`${url}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body: '{}',
        });
      expect((await post('Bearer token-from-the-environment')).status).toBe(400); // past the token check, to the body's
      expect((await post('Bearer some-other-token')).status).toBe(401);
    } finally {
      controller.abort();
      expect(await run).toBe(0);
      t.cleanup();
    }
  });
});
