import { type ClientHttp2Session, connect } from 'node:http2';
import { createConnection, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { post, startMocks } from './helpers.ts';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** One h2c (prior knowledge) POST on a session; resolves with status and body. */
function h2Post(session: ClientHttp2Session, path: string, body: unknown, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/json', ...headers });
    let status = 0;
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => {
      status = Number(h[':status']);
    });
    stream.on('data', (c: string) => {
      text += c;
    });
    stream.on('end', () => resolve({ status, json: JSON.parse(text) as Record<string, unknown> }));
    stream.on('error', reject);
    stream.end(JSON.stringify(body));
  });
}

const message = (token: string, key: string) => ({
  message: { token, notification: { title: 'Sale', body: '50% off' }, data: { client_key: key } },
});

describe('FCM mock over h2c (HTTP/2 with prior knowledge) on the same port as HTTP/1.1', () => {
  it('accepts, dedupes and counts h2c sends like HTTP/1.1 ones, and refuses a missing token in FCM shape', async () => {
    const started = await startMocks({ providers: { fcm: { kind: 'fcm', tps: null, dedupe: true } } });
    cleanup.push(started.close);
    const base = new URL(started.urls.fcm as string);
    const session = connect(base.origin);
    cleanup.push(() => {
      session.destroy();
    });
    const path = `${base.pathname}/v1/projects/p/messages:send`;
    const auth = { authorization: 'Bearer t' };
    const first = await h2Post(session, path, message('device-1', 'k-1'), auth);
    expect(first.status).toBe(200);
    expect(first.json.name).toMatch(/^projects\/p\/messages\/fcm-/);
    // Many streams at once on the one connection.
    const many = await Promise.all(
      Array.from({ length: 50 }, (_, i) => h2Post(session, path, message(`device-${i + 2}`, `k-${i + 2}`), auth)),
    );
    expect(many.every((r) => r.status === 200)).toBe(true);
    // A retry with the same client key gets the original name and is not delivered again.
    const repeat = await h2Post(session, path, message('device-1', 'k-1'), auth);
    expect(repeat.json.name).toBe(first.json.name);
    const refused = await h2Post(session, path, message('device-x', 'k-x'));
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({ error: { status: 'UNAUTHENTICATED' } });
    // HTTP/1.1 on the same URL still works, and both land in one ledger (the 401 is not admitted).
    const h1 = await post(`${started.urls.fcm}/v1/projects/p/messages:send`, message('device-99', 'k-99'), auth);
    expect(h1.status).toBe(200);
    expect(started.mocks.providers.fcm?.stats()).toMatchObject({ admitted: 53, delivered: 52, deduplicated: 1, duplicates: 0 });
  });

  it('closes with an h2c session still open', async () => {
    const started = await startMocks({ providers: { fcm: { kind: 'fcm', tps: null } } });
    const base = new URL(started.urls.fcm as string);
    const session = connect(base.origin);
    session.on('error', () => {});
    const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
    const answer = await h2Post(session, `${base.pathname}/v1/projects/p/messages:send`, message('device-1', 'k-1'), {
      authorization: 'Bearer t',
    });
    expect(answer.status).toBe(200);
    await started.close();
    await closed;
    expect(session.destroyed).toBe(true);
  });
});

describe('connections that never send a byte', () => {
  it('a client gone before its first byte is dropped, and close() does not wait for a silent one', async () => {
    const started = await startMocks({ providers: { fcm: { kind: 'fcm', tps: null } } });
    const base = new URL(started.urls.fcm as string);
    const open = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const s = createConnection({ host: base.hostname, port: Number(base.port) }, () => resolve(s));
        s.once('error', reject);
      });
    // Connects and half-closes without writing, as a sender killed between connect and request does.
    const quitter = await open();
    const dropped = new Promise<void>((resolve) => quitter.once('close', () => resolve()));
    quitter.resume();
    quitter.end();
    await dropped; // the server closed its side too: no CLOSE_WAIT left behind
    // Connects and says nothing, still open when the mocks close.
    const silent = await open();
    silent.on('error', () => {});
    const silentClosed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    silent.resume();
    // The mocks still serve in between.
    const res = await fetch(`${started.urls.fcm}/v1/projects/p/messages:send`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: JSON.stringify(message('tok-1', 'k-1')),
    });
    expect(res.status).toBe(200);
    await started.close();
    await silentClosed;
  });
});
