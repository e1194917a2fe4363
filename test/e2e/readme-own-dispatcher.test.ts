import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The README's own-dispatcher example, run as written: its `floodgate mock` and `floodgate run` lines
 * verbatim (fixed ports 9090 and 8080, as a team would type them), with an independent dispatcher
 * written in Python from the mocks' documentation (test/fixtures/own-dispatcher) as "your dispatcher".
 */
const ROOT = join(import.meta.dirname, '..', '..');
const DISPATCHER = join(ROOT, 'test', 'fixtures', 'own-dispatcher', 'dispatcher.py');
const started: ChildProcess[] = [];
let dir: string | undefined;

afterAll(async () => {
  // Each was started in its own process group (detached), so npx and the node it runs stop together.
  // They are waited for (SIGKILL after 5 s) before the folder goes: the Python dispatcher writes its
  // state file there as it stops, and removing the folder under it failed with ENOTEMPTY.
  await Promise.all(started.map(stopGroup));
  if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 3 });
});

async function stopGroup(child: ChildProcess): Promise<void> {
  if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-pid, 'SIGTERM');
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }, 5000);
  await exited;
  clearTimeout(timer);
}

async function readmeExample(): Promise<string[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('<!-- own-dispatcher-example');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))?.[1] ?? '';
  return block.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function waitFor(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`nothing answered at ${url} within ${ms} ms`);
}

function background(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.resume();
  child.stderr?.resume();
  started.push(child);
  return child;
}

describe("README: 'Against your own dispatcher'", () => {
  it('runs as written against a dispatcher floodgate did not write, and passes', { timeout: 90_000 }, async () => {
    const lines = await readmeExample();
    const mock = lines.find((l) => l.startsWith('npx floodgate mock'));
    const run = lines.find((l) => l.includes('npx floodgate run'));
    expect(mock, 'the README example starts the mocks').toBeDefined();
    expect(run, 'the README example runs a scenario').toBeDefined();
    for (const port of [9090, 8080]) expect(await portFree(port), `port ${port} must be free for the README example`).toBe(true);

    background('bash', ['-c', mock as string]);
    await waitFor('http://127.0.0.1:9090/healthz', 30_000);
    dir = await mkdtemp(join(tmpdir(), 'fg-readme-'));
    const config = join(dir, 'dispatcher.json');
    await writeFile(
      config,
      JSON.stringify({
        listen: { host: '127.0.0.1', port: 8080 },
        apiKey: 'change-me',
        provider: {
          baseUrl: 'http://127.0.0.1:9090/alimtalk',
          appKey: 'floodgate-app',
          senderKey: 'floodgate-sender',
          tps: 200,
          // 0.3 s, not the 0.1 default: a mock stalled past 100 ms on a loaded CI machine stamps a
          // batch late enough to put 11 batches in one sliding second (test/fixtures/own-dispatcher).
          windowMargin: 0.3,
          timeout: 2,
        },
        stateFile: join(dir, 'state.json'),
      }),
    );
    background('/usr/bin/python3', [DISPATCHER, '--config', config]);
    await waitFor('http://127.0.0.1:8080/healthz', 15_000);

    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('bash', ['-c', run as string], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      child.on('exit', (code) => resolve({ code, out }));
    });
    expect(result.out).toMatch(/^PASS: 2 thresholds and 4 checks held/m);
    expect(result.out).toMatch(/campaign welcome: all 1000 accepted recipients received it/);
    expect(result.code).toBe(0);
  });
});
