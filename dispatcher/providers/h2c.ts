import { type ClientHttp2Session, connect, constants } from 'node:http2';
import type { WireClient, WireResponse } from './http.ts';

/** An error with the code {@link networkFailure} reads to tell "never sent" from "maybe delivered". */
function wireError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * A wire client over HTTP/2 without TLS, with prior knowledge (h2c), for a base URL written
 * `h2c://host:port/prefix`. Every request is a stream on one connection: no connection per
 * concurrent request, header compression, and nghttp2 writes many streams in one syscall, which
 * is what sending one message a request (FCM) needs. A connection that fails or closes is
 * replaced at the next request; a request that never got a connection fails as ECONNREFUSED
 * (never sent), one cut off after it left as ECONNRESET or ETIMEDOUT (maybe delivered).
 */
export function createH2cClient(baseUrl: string, timeoutMs: number): WireClient {
  const url = new URL(baseUrl);
  const origin = `http://${url.host}`;
  const prefix = url.pathname.replace(/\/+$/, '');
  let session: ClientHttp2Session | undefined;
  let closed = false;

  const open = (): ClientHttp2Session => {
    if (session && !session.closed && !session.destroyed) return session;
    const s = connect(origin);
    // Errors reach the streams on it; the session's own event must not crash the process.
    s.on('error', () => {});
    s.once('close', () => {
      if (session === s) session = undefined;
    });
    session = s;
    return s;
  };

  return {
    post(path, headers, body) {
      if (closed) return Promise.reject(wireError('client closed', 'ECONNREFUSED'));
      const s = open();
      return new Promise<WireResponse>((resolve, reject) => {
        const stream = s.request({
          [constants.HTTP2_HEADER_METHOD]: 'POST',
          [constants.HTTP2_HEADER_PATH]: `${prefix}${path}`,
          'content-type': 'application/json',
          ...headers,
        });
        let status = 0;
        let responseHeaders: WireResponse['headers'] = {};
        let text = '';
        stream.setEncoding('utf8');
        stream.setTimeout(timeoutMs, () => {
          stream.close(constants.NGHTTP2_CANCEL);
          reject(wireError(`no answer within ${timeoutMs} ms`, 'ETIMEDOUT'));
        });
        stream.on('response', (h) => {
          status = Number(h[constants.HTTP2_HEADER_STATUS]);
          responseHeaders = h as WireResponse['headers'];
        });
        stream.on('data', (chunk: string) => {
          text += chunk;
        });
        stream.on('end', () => resolve({ status, headers: responseHeaders, text }));
        stream.on('error', (error: Error & { code?: string }) => {
          // A session that never connected sent nothing; anything else may have been delivered.
          const code = s.connecting || error.code === 'ECONNREFUSED' ? 'ECONNREFUSED' : (error.code ?? 'ECONNRESET');
          reject(wireError(error.message, code === 'ERR_HTTP2_STREAM_ERROR' ? 'ECONNRESET' : code));
        });
        stream.end(JSON.stringify(body));
      });
    },
    async close() {
      closed = true;
      const s = session;
      session = undefined;
      if (!s || s.closed) return;
      // Lets requests in flight finish (the sender waits for them before it closes the client).
      await new Promise<void>((resolve) => s.close(resolve));
    },
  };
}
