import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RunInvalidError, systemClock } from '../../src/core/index.ts';
import { runCampaign } from '../../src/runner/campaign.ts';
import { ProviderTracker } from '../../src/runner/delivery-tracker.ts';
import { startOwnDispatcher } from '../../src/runner/own-dispatcher.ts';

const PYTHON = '/usr/bin/python3';
/** A tiny HTTP server whose /healthz answers 200 with its pid: enough to tell one process from the next. */
const SERVER = [
  'import http.server, json, os, sys',
  'class H(http.server.BaseHTTPRequestHandler):',
  '    def log_message(self, *a): pass',
  '    def do_GET(self):',
  '        body = json.dumps({"pid": os.getpid()}).encode()',
  '        self.send_response(200 if self.path == "/healthz" else 404); self.end_headers(); self.wfile.write(body)',
  'http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()',
].join('\n');

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

describe('system.dispatcher.command: a dispatcher floodgate starts, restarts and stops', () => {
  it('waits until ready, restarts it as a new process, and stops it at the end', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const own = await startOwnDispatcher({ url, command: [PYTHON, '-c', SERVER, String(port)], ready: '/healthz' });
    const pidOf = async () => ((await (await fetch(`${url}/healthz`)).json()) as { pid: number }).pid;
    try {
      const first = await pidOf();
      expect(first).toBe(own.pid);
      const timing = await own.restart({ instance: 1, signal: 'SIGKILL', downMs: 300 });
      expect(timing.readyAt - timing.killedAt).toBeGreaterThanOrEqual(300);
      const second = await pidOf();
      expect(second).not.toBe(first);
      expect(second).toBe(own.pid);
    } finally {
      await own.close();
    }
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('a command that exits before it is ready is FG_TARGET_UNREACHABLE with what it printed', { timeout: 30_000 }, async () => {
    const error = await startOwnDispatcher({
      url: 'http://127.0.0.1:9',
      command: [PYTHON, '-c', 'import sys; sys.stderr.write("no config file\\n"); sys.exit(2)'],
      ready: '/healthz',
    }).catch((e) => e);
    expect(error).toBeInstanceOf(RunInvalidError);
    expect((error as RunInvalidError).code).toBe('FG_TARGET_UNREACHABLE');
    expect((error as Error).message).toMatch(/system\.dispatcher\.command: .* exited before it was ready: no config file/);
  });

  it('a command that does not exist says so', { timeout: 30_000 }, async () => {
    const error = await startOwnDispatcher({ url: 'http://127.0.0.1:9', command: ['/nonexistent/dispatcher'], ready: '/healthz' }).catch(
      (e) => e,
    );
    expect((error as Error).message).toMatch(/ENOENT/);
  });

  it('a command that never answers its ready path is refused after the bound', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const error = await startOwnDispatcher(
      { url: `http://127.0.0.1:${port}`, command: [PYTHON, '-c', 'import time; time.sleep(60)'], ready: '/healthz' },
      1500,
    ).catch((e) => e);
    expect((error as Error).message).toMatch(/\/healthz did not answer 2xx within 1\.5s \(ECONNREFUSED\)/);
  });
});

describe('a campaign start during a planned restart', () => {
  /** A dispatcher that answers 503 (restarting) `refusals` times, then accepts. */
  async function restartingDispatcher(refusals: number, then = 201) {
    let seen = 0;
    server = createServer((req, res) => {
      req.resume().on('end', () => {
        seen++;
        if (seen <= refusals) res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}');
        else res.writeHead(then, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'c', accepted: 3 }));
      });
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen: () => seen };
  }

  const spec = { name: 'c', channel: 'a', provider: 'a', recipients: 3, pattern: 'c-{n}', template: 't', params: {}, poll: 10 };
  const tracker = () => new ProviderTracker('a', async (after) => ({ cursor: after, head: 0, entries: [] }));

  it('is sent again through 503s while a restart may be under way', { timeout: 30_000 }, async () => {
    const d = await restartingDispatcher(3);
    const c = await runCampaign(spec, {
      origin: d.url,
      tracker: tracker(),
      clock: systemClock,
      trackFor: 50,
      timeout: 2000,
      retryStartFor: 20_000,
    });
    expect(c).toMatchObject({ accepted: 3, startError: null });
    expect(d.seen()).toBe(4);
  });

  it('without a planned restart a 503 fails the start at once, as before', { timeout: 30_000 }, async () => {
    const d = await restartingDispatcher(3);
    const c = await runCampaign(spec, { origin: d.url, tracker: tracker(), clock: systemClock, trackFor: 50, timeout: 2000 });
    expect(c.accepted).toBe(0);
    expect(c.startError).toMatch(/answered 503/);
    expect(d.seen()).toBe(1);
  });

  it('a refusal that is not a restart (400) is not retried', { timeout: 30_000 }, async () => {
    const d = await restartingDispatcher(0, 400);
    const c = await runCampaign(spec, {
      origin: d.url,
      tracker: tracker(),
      clock: systemClock,
      trackFor: 50,
      timeout: 2000,
      retryStartFor: 20_000,
    });
    expect(c.startError).toMatch(/answered 400/);
    expect(d.seen()).toBe(1);
  });
});
