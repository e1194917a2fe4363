import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createH1Client } from '../../dispatcher/providers/h1.ts';
import { networkFailure } from '../../dispatcher/providers/http.ts';

/**
 * The lean HTTP/1.1 wire client (dispatcher/providers/h1.ts) against raw TCP servers on
 * loopback that answer exact bytes: every body framing a provider may use, keep-alive and its
 * end, and each way a request can fail, with the "never sent" / "maybe delivered" split the
 * sender's crash guarantee relies on (a wrong "never sent" would resend without a flag).
 */
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A TCP server whose `answer` sees each request's raw bytes (head and body) and writes what it likes. */
async function raw(answer: (socket: Socket, request: string, n: number) => void): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  let n = 0;
  const server = createServer((socket) => {
    connections++;
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const request = buf.slice(0, end + 4 + length);
        buf = buf.slice(end + 4 + length);
        answer(socket, request, ++n);
      }
    });
    socket.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prefix`, connections: () => connections };
}

const ok = (body: string, extra = '') =>
  `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n${extra}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('the lean HTTP/1.1 wire client', () => {
  it('writes one well-formed request and reuses the connection (keep-alive)', async () => {
    const seen: string[] = [];
    const { url, connections } = await raw((socket, request) => {
      seen.push(request);
      socket.write(ok('{"name":"m-é"}', 'x-message-id: a\r\nX-Message-Id: b\r\n'));
    });
    const client = createH1Client(url, 4, 5000);
    const headers = { authorization: 'Bearer t' };
    for (let i = 0; i < 5; i++) {
      const res = await client.post('/send', headers, { to: `d${i}`, text: 'é' });
      expect(res).toMatchObject({ status: 200, text: '{"name":"m-é"}' });
      expect(res.headers['x-message-id']).toEqual(['a', 'b']);
    }
    await client.close();
    expect(connections()).toBe(1);
    const body = JSON.stringify({ to: 'd0', text: 'é' });
    // The server reads bytes (latin1): the body went out as UTF-8, its length counted in bytes.
    const expected = `POST /prefix/send HTTP/1.1\r\nhost: ${new URL(url).host}\r\ncontent-type: application/json\r\nauthorization: Bearer t\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    expect(seen[0]).toBe(Buffer.from(expected).toString('latin1'));
  });

  it('reads chunked bodies, answers split across packets, a 204, and an interim 100', async () => {
    const { url } = await raw((socket, _request, n) => {
      if (n === 1)
        socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\n{"a"\r\n3;x=1\r\n:1}\r\n0\r\nx-trailer: t\r\n\r\n');
      else if (n === 2) {
        const all = ok('{"split":true}');
        socket.write(all.slice(0, 10));
        setTimeout(() => socket.write(all.slice(10, 40)), 20);
        setTimeout(() => socket.write(all.slice(40)), 40);
      } else if (n === 3) socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      else socket.write(`HTTP/1.1 100 Continue\r\n\r\n${ok('{"after":100}')}`);
    });
    const client = createH1Client(url, 1, 5000);
    expect((await client.post('/a', {}, {})).text).toBe('{"a":1}');
    expect((await client.post('/b', {}, {})).text).toBe('{"split":true}');
    expect(await client.post('/c', {}, {})).toMatchObject({ status: 204, text: '' });
    expect(await client.post('/d', {}, {})).toMatchObject({ status: 200, text: '{"after":100}' });
    await client.close();
  });

  it('opens a new connection after `connection: close` and after a body ended by the close', async () => {
    const { url, connections } = await raw((socket, _request, n) => {
      if (n === 1) socket.end(ok('{"n":1}', 'connection: close\r\n'));
      else socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{"n":2}');
    });
    const client = createH1Client(url, 1, 5000);
    expect((await client.post('/a', {}, {})).text).toBe('{"n":1}');
    expect((await client.post('/b', {}, {})).text).toBe('{"n":2}');
    await client.close();
    expect(connections()).toBe(2);
  });

  it('queues requests beyond its connections and answers them all', async () => {
    let inFlight = 0;
    let most = 0;
    const { url, connections } = await raw((socket, request) => {
      inFlight++;
      most = Math.max(most, inFlight);
      const to = /"to":"([^"]+)"/.exec(request)?.[1];
      setTimeout(() => {
        inFlight--;
        socket.write(ok(JSON.stringify({ to })));
      }, 2);
    });
    const client = createH1Client(url, 3, 5000);
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => client.post('/x', {}, { to: `r${i}` })));
    expect(answers.map((a) => JSON.parse(a.text).to)).toEqual(Array.from({ length: 60 }, (_, i) => `r${i}`));
    expect(most).toBeLessThanOrEqual(3);
    expect(connections()).toBe(3);
    await client.close();
  });

  it('a refused connection never sent anything: retried without the uncertain flag', async () => {
    const client = createH1Client('http://127.0.0.1:1', 2, 5000);
    const error = await client.post('/x', {}, {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', notSent: true });
    expect(networkFailure([{ id: 1, to: 'a', clientKey: 'k', params: {}, content: undefined }], error).results[0]).toMatchObject({
      kind: 'retry',
      uncertain: false,
    });
    await client.close();
  });

  it('a reset after the request was written, a timeout, and a malformed answer may have been delivered', async () => {
    const { url } = await raw((socket, request) => {
      if (request.includes('"reset"')) socket.resetAndDestroy();
      else if (request.includes('"garbage"')) socket.write('SMTP 220 hello\r\n\r\n');
      // "slow": never answered
    });
    // Only "slow" is meant to time out: the others get 5 s, so a stalled event loop cannot turn
    // a reset or a malformed answer into a timeout.
    const client = createH1Client(url, 2, 5000);
    const hasty = createH1Client(url, 1, 200);
    const unit = [{ id: 1, to: 'a', clientKey: 'k', params: {}, content: undefined }];
    const [reset, slow, garbage] = await Promise.all(
      ['reset', 'slow', 'garbage'].map((what) => (what === 'slow' ? hasty : client).post('/x', {}, { what }).catch((e: unknown) => e)),
    );
    expect(reset).toMatchObject({ code: 'ECONNRESET', notSent: false });
    expect(slow).toMatchObject({ code: 'ETIMEDOUT', notSent: false });
    expect(garbage).toMatchObject({ code: 'ERR_BAD_RESPONSE', notSent: false });
    for (const e of [reset, slow, garbage]) expect(networkFailure(unit, e).results[0]).toMatchObject({ kind: 'retry', uncertain: true });
    await Promise.all([client.close(), hasty.close()]);
  });

  it('refuses a header value with a line break (no header injection) without sending', async () => {
    const seen: string[] = [];
    const { url } = await raw((socket, request) => {
      seen.push(request);
      socket.write(ok('{}'));
    });
    const client = createH1Client(url, 1, 5000);
    await expect(client.post('/x', { authorization: 'Bearer t\r\nx-evil: 1' }, {})).rejects.toMatchObject({
      code: 'ERR_INVALID_HEADER',
      notSent: true,
    });
    expect(seen).toEqual([]);
    await client.close();
  });

  it('close() lets a request in flight finish, then refuses new ones as never sent', async () => {
    const { url } = await raw((socket) => setTimeout(() => socket.write(ok('{"late":true}')), 100));
    const client = createH1Client(url, 1, 5000);
    const inFlight = client.post('/x', {}, {});
    await new Promise((r) => setTimeout(r, 20));
    const closed = client.close();
    await expect(client.post('/y', {}, {})).rejects.toMatchObject({ notSent: true });
    expect((await inFlight).text).toBe('{"late":true}');
    await closed;
  });

  it("talks to Node's own HTTP server, which closes idle connections after its keep-alive timeout", async () => {
    const server = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(JSON.stringify({ path: req.url })));
    });
    server.keepAliveTimeout = 50;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const idleClosed = new Promise<void>((r) => server.once('connection', (socket) => socket.once('close', () => r())));
      const client = createH1Client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 2, 5000);
      expect((await client.post('/one', {}, {})).text).toBe('{"path":"/one"}');
      // Once the server has closed the idle connection, a timer later the client has read its end
      // (a fixed wait could fire in the same timers phase as the server's close, before that read).
      await idleClosed;
      await new Promise((r) => setTimeout(r, 20));
      expect((await client.post('/two', {}, {})).text).toBe('{"path":"/two"}');
      await client.close();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
