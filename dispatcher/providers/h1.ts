import { connect, type Socket } from 'node:net';
import type { WireClient, WireResponse } from './http.ts';

/**
 * A lean HTTP/1.1 client for plain `http://` providers (the mocks, a relay inside the network):
 * keep-alive connections, one request at a time on each, a request written as one string.
 *
 * Why not undici here: at FCM's one message a request the client is paid once a message, and a
 * measurement on this machine (100,000 POSTs, 32 in flight, against Node's http server) put
 * undici's dispatch at 40 us of CPU a request and this at 22 us. It speaks only what providers
 * answer: a status line, headers, and a body sized by Content-Length, chunked, or ended by the
 * close; no upgrades, no pipelining, no TLS (an `https://` base URL stays with undici).
 *
 * Errors keep the contract {@link networkFailure} reads: a request that never left (the
 * connection was refused or never made within the timeout, the client was closed) carries
 * `notSent`; one cut off after it was written (reset, timeout, a malformed answer) may have
 * been delivered. Timeouts are swept every quarter of the timeout, not timed a request, so a
 * request fails between its timeout and 1.25 times it.
 */
export function createH1Client(baseUrl: string, connections: number, timeoutMs: number): WireClient {
  const url = new URL(baseUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 80);
  const prefix = url.pathname.replace(/\/+$/, '');
  const idle: Conn[] = [];
  const waiting: Job[] = [];
  let waitingHead = 0;
  let open = 0;
  let closing = false;
  let onDrained: (() => void) | undefined;
  const conns = new Set<Conn>();

  // The header block is built once for a headers object (providers pass the same one every time).
  let lastGiven: Record<string, string> | undefined;
  let lastBlock = '';
  const blockOf = (path: string, given: Record<string, string>): string => {
    if (given !== lastGiven) {
      let block = `host: ${url.host}\r\ncontent-type: application/json\r\n`;
      for (const [name, value] of Object.entries(given)) {
        if (/[\r\n:]/.test(name) || /[\r\n]/.test(value))
          throw wireError(`header ${JSON.stringify(name)} has a line break`, 'ERR_INVALID_HEADER', true);
        block += `${name}: ${value}\r\n`;
      }
      lastGiven = given;
      lastBlock = block;
    }
    return `POST ${prefix}${path} HTTP/1.1\r\n${lastBlock}`;
  };

  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const c of conns) {
        if (!c.job || now - c.job.startedAt <= timeoutMs) continue;
        fail(
          c,
          c.connected
            ? wireError(`no answer within ${timeoutMs} ms`, 'ETIMEDOUT', false)
            : wireError(`no connection within ${timeoutMs} ms`, 'UND_ERR_CONNECT_TIMEOUT', true),
        );
      }
    },
    Math.max(10, Math.floor(timeoutMs / 4)),
  );
  sweep.unref();

  const newConn = (): Conn => {
    const socket = connect({ host, port, noDelay: true });
    const c: Conn = { socket, job: undefined, connected: false, buf: undefined, head: undefined, done: false };
    open++;
    conns.add(c);
    socket.once('connect', () => {
      c.connected = true;
    });
    socket.on('data', (chunk: Buffer) => onData(c, chunk));
    socket.on('end', () => {
      // A body ended by the close is complete now; anything else in flight was cut off.
      if (c.job && c.head?.untilClose) complete(c, c.head, (c.buf ?? EMPTY).subarray(c.head.bodyStart), false);
      else fail(c, wireError('the provider closed the connection', 'ECONNRESET', false));
    });
    socket.on('error', (error: Error & { code?: string }) => {
      fail(c, wireError(error.message, error.code ?? 'ECONNRESET', !c.connected));
    });
    socket.on('close', () => fail(c, wireError('the connection closed', 'ECONNRESET', !c.connected)));
    return c;
  };

  const start = (c: Conn, job: Job) => {
    c.job = job;
    c.buf = undefined;
    c.head = undefined;
    job.startedAt = Date.now();
    c.socket.write(job.request);
  };

  const next = (): Job | undefined => {
    if (waitingHead >= waiting.length) return undefined;
    const job = waiting[waitingHead++];
    if (waitingHead > 1024 && waitingHead * 2 > waiting.length) {
      waiting.splice(0, waitingHead);
      waitingHead = 0;
    }
    return job;
  };

  /** A connection is free again: the next waiting request takes it, or it waits idle. */
  const release = (c: Conn, keepAlive: boolean) => {
    if (!keepAlive || closing) {
      drop(c);
      if (!closing) {
        const job = next();
        if (job) start(newConn(), job);
      }
      return;
    }
    const job = next();
    if (job) start(c, job);
    else idle.push(c);
  };

  /** Closes a connection for good and forgets it. */
  const drop = (c: Conn) => {
    if (c.done) return;
    c.done = true;
    conns.delete(c);
    open--;
    const i = idle.indexOf(c);
    if (i >= 0) idle.splice(i, 1);
    c.socket.destroy();
    if (open === 0 && closing) {
      clearInterval(sweep);
      onDrained?.();
    }
  };

  /** Ends the connection's request (if any) with an error, and the connection with it. */
  const fail = (c: Conn, error: Error) => {
    const job = c.job;
    c.job = undefined;
    drop(c);
    if (job) job.reject(error);
    // Requests that waited for this connection's slot get a new one.
    if (!closing && open < connections) {
      const queued = next();
      if (queued) start(newConn(), queued);
    }
  };

  const complete = (c: Conn, head: Head, body: Buffer, keepAlive: boolean) => {
    const job = c.job as Job;
    c.job = undefined;
    c.buf = undefined;
    c.head = undefined;
    const text = body.toString('utf8');
    let headers: WireResponse['headers'] | undefined;
    const raw = head.raw;
    job.resolve({
      status: head.status,
      text,
      get headers() {
        headers ??= parseHeaders(raw);
        return headers;
      },
    });
    release(c, keepAlive);
  };

  const onData = (c: Conn, chunk: Buffer) => {
    if (!c.job) {
      // Bytes nobody asked for: the connection is out of step.
      fail(c, wireError('the provider sent data with no request in flight', 'ECONNRESET', false));
      return;
    }
    c.buf = c.buf ? Buffer.concat([c.buf, chunk]) : chunk;
    const buf = c.buf;
    if (buf.length > MAX_RESPONSE) {
      fail(c, wireError(`an answer over ${MAX_RESPONSE} bytes`, 'ERR_RESPONSE_TOO_LARGE', false));
      return;
    }
    let head = c.head;
    if (!head) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const parsed = parseHead(buf.toString('latin1', 0, end), end + 4);
      if (typeof parsed === 'string') {
        fail(c, wireError(parsed, 'ERR_BAD_RESPONSE', false));
        return;
      }
      if (parsed.status >= 100 && parsed.status < 200) {
        // An interim answer (100 Continue): the real one follows.
        c.buf = buf.subarray(end + 4);
        if (c.buf.length > 0) onData(c, Buffer.alloc(0));
        return;
      }
      head = parsed;
      c.head = head;
    }
    if (head.untilClose) return;
    if (head.length >= 0) {
      const end = head.bodyStart + head.length;
      if (buf.length < end) return;
      const extra = buf.length > end;
      complete(c, head, buf.subarray(head.bodyStart, end), head.keepAlive && !extra);
      return;
    }
    const body = dechunk(buf, head.bodyStart);
    if (body === undefined) return;
    if (typeof body === 'string') {
      fail(c, wireError(body, 'ERR_BAD_RESPONSE', false));
      return;
    }
    complete(c, head, body.body, head.keepAlive && body.end === buf.length);
  };

  return {
    post(path, headers, body) {
      return new Promise<WireResponse>((resolve, reject) => {
        if (closing) {
          reject(wireError('client closed', 'ECONNREFUSED', true));
          return;
        }
        const text = JSON.stringify(body);
        let request: string;
        try {
          request = `${blockOf(path, headers)}content-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
        } catch (error) {
          reject(error);
          return;
        }
        const job: Job = { request, resolve, reject, startedAt: 0 };
        const c = idle.pop();
        if (c) start(c, job);
        else if (open < connections) start(newConn(), job);
        else waiting.push(job);
      });
    },
    close() {
      closing = true;
      for (let job = next(); job; job = next()) job.reject(wireError('client closed', 'ECONNREFUSED', true));
      for (const c of [...idle]) drop(c);
      if (open === 0) {
        clearInterval(sweep);
        return Promise.resolve();
      }
      // Requests in flight finish (the sender waits for them before it closes the client).
      return new Promise<void>((resolve) => {
        onDrained = resolve;
      });
    },
  };
}

/** Most bytes an answer may have (providers answer a few hundred). */
const MAX_RESPONSE = 1 << 20;
const EMPTY = Buffer.alloc(0);

interface Job {
  request: string;
  resolve: (res: WireResponse) => void;
  reject: (error: Error) => void;
  startedAt: number;
}

interface Conn {
  socket: Socket;
  job: Job | undefined;
  connected: boolean;
  /** The answer's bytes so far. */
  buf: Buffer | undefined;
  /** The answer's parsed head, once it is complete. */
  head: Head | undefined;
  /** Dropped (destroyed and forgotten). */
  done: boolean;
}

interface Head {
  status: number;
  /** The header lines as received, decoded only when read. */
  raw: string;
  bodyStart: number;
  /** Content-Length, or -1 for a chunked body. */
  length: number;
  /** No length and not chunked: the body is what comes until the provider closes. */
  untilClose: boolean;
  keepAlive: boolean;
}

function wireError(message: string, code: string, notSent: boolean): Error {
  return Object.assign(new Error(message), { code, notSent });
}

/** Reads a status line and the headers that frame the body; a string is what was wrong. */
function parseHead(text: string, bodyStart: number): Head | string {
  const m = /^HTTP\/1\.([01]) (\d{3})/.exec(text);
  if (!m) return `not an HTTP/1.x answer: ${JSON.stringify(text.slice(0, 40))}`;
  const status = Number(m[2]);
  let length = -2;
  let chunked = false;
  let connection = '';
  const lines = text.split('\r\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === 'content-length') {
      const n = Number(line.slice(colon + 1).trim());
      if (!Number.isSafeInteger(n) || n < 0) return `a bad Content-Length: ${line}`;
      length = n;
    } else if (name === 'transfer-encoding') chunked = /\bchunked\s*$/i.test(line.slice(colon + 1));
    else if (name === 'connection') connection = line.slice(colon + 1).toLowerCase();
  }
  const keepAlive = m[1] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
  const raw = lines.slice(1).join('\r\n');
  if (status === 204 || status === 304) return { status, raw, bodyStart, length: 0, untilClose: false, keepAlive };
  if (chunked) return { status, raw, bodyStart, length: -1, untilClose: false, keepAlive };
  if (length >= 0) return { status, raw, bodyStart, length, untilClose: false, keepAlive };
  return { status, raw, bodyStart, length: -1, untilClose: true, keepAlive: false };
}

/** A chunked body from `start`: the body and where it ended, undefined while incomplete, or what was wrong. */
function dechunk(buf: Buffer, start: number): { body: Buffer; end: number } | string | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = Number.parseInt(buf.toString('latin1', at, eol).split(';')[0] as string, 16);
    if (!Number.isSafeInteger(size) || size < 0) return 'a bad chunk size';
    if (size === 0) {
      // Trailers (rarely any) end with an empty line.
      const end = buf.indexOf('\r\n\r\n', eol);
      if (buf.length >= eol + 4 && buf.toString('latin1', eol, eol + 4) === '\r\n\r\n') return { body: Buffer.concat(parts), end: eol + 4 };
      if (end < 0) return undefined;
      return { body: Buffer.concat(parts), end: end + 4 };
    }
    if (buf.length < eol + 2 + size + 2) return undefined;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** Header lines as an object of lower-cased names (repeats as arrays). */
function parseHeaders(raw: string): WireResponse['headers'] {
  const headers: Record<string, string | string[]> = {};
  for (const line of raw.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const seen = headers[name];
    headers[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return headers;
}
