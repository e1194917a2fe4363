import { Pool } from 'undici';
import { createH1Client } from './h1.ts';
import { createH2cClient } from './h2c.ts';
import type { BatchResult, SendUnit, UnitResult } from './types.ts';

/** A provider's response, read in full (bodies are small). */
export interface WireResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A connection pool to one provider base URL (which may carry a path prefix). */
export interface WireClient {
  post(path: string, headers: Record<string, string>, body: unknown): Promise<WireResponse>;
  close(): Promise<void>;
}

/**
 * The client for a provider's base URL: `http://` is spoken by the lean HTTP/1.1 client (h1.ts),
 * `h2c://host:port/...` as HTTP/2 with prior knowledge (h2c.ts), and `https://` by an undici pool
 * (one connection per concurrent request, timeouts on headers and body).
 */
export function createWireClient(baseUrl: string, connections: number, timeoutMs: number): WireClient {
  const url = new URL(baseUrl);
  if (url.protocol === 'h2c:') return createH2cClient(baseUrl, timeoutMs);
  if (url.protocol === 'http:') return createH1Client(baseUrl, connections, timeoutMs);
  const prefix = url.pathname.replace(/\/+$/, '');
  const pool = new Pool(url.origin, { connections, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  // A client that passes the same headers object on every request (FCM's bearer token) gets the
  // same merged object back, not a new one a message.
  let lastGiven: Record<string, string> | undefined;
  let lastMerged: Record<string, string> = {};
  const withType = (given: Record<string, string>) => {
    if (given !== lastGiven) {
      lastGiven = given;
      lastMerged = { 'content-type': 'application/json', ...given };
    }
    return lastMerged;
  };
  return {
    post(path, headers, body) {
      // pool.dispatch with a plain handler rather than pool.request: no body stream, no abort
      // signal plumbing per request (for FCM, one message a request, those were most of the
      // client's cost). Timeouts and errors are undici's own, with its error codes.
      return new Promise<WireResponse>((resolve, reject) => {
        let status = 0;
        let rawHeaders: Buffer[] = [];
        const chunks: Buffer[] = [];
        pool.dispatch(
          {
            method: 'POST',
            path: `${prefix}${path}`,
            headers: withType(headers),
            body: JSON.stringify(body),
          },
          {
            // undici's own (legacy) handler interface: what its HTTP/1.1 client calls directly,
            // without the adapter the newer interface goes through.
            onConnect() {},
            onHeaders(statusCode, raw) {
              status = statusCode;
              rawHeaders = raw;
              return true;
            },
            onData(chunk) {
              chunks.push(chunk);
              return true;
            },
            onComplete() {
              const text = chunks.length === 1 ? (chunks[0] as Buffer).toString() : Buffer.concat(chunks).toString();
              // Headers are read by name only on some answers (429, SendGrid's ids): decoded on first use.
              let headers: WireResponse['headers'] | undefined;
              const raw = rawHeaders;
              resolve({
                status,
                text,
                get headers() {
                  headers ??= toHeaders(raw);
                  return headers;
                },
              });
            },
            onError(error) {
              reject(error);
            },
          },
        );
      });
    },
    close: () => pool.close(),
  };
}

/** Raw header pairs as undici hands them to a handler, as an object of lower-cased names. */
function toHeaders(raw: Buffer[]): WireResponse['headers'] {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = String(raw[i]).toLowerCase();
    const value = String(raw[i + 1]);
    const seen = headers[name];
    headers[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return headers;
}

/** Reads a header as one string. */
export function header(res: WireResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Retry-After in ms (seconds or an HTTP date), or the fallback. */
export function retryAfterMs(res: WireResponse, fallback: number): number {
  const v = header(res, 'retry-after');
  if (v === undefined) return fallback;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : fallback;
}

/** Parses JSON, or undefined. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Turns a network error into a retry. Refused connections never reached the provider; any
 * other failure (timeout, reset) may have been delivered, so the row is flagged uncertain.
 */
export function networkFailure(units: readonly SendUnit[], error: unknown): BatchResult {
  const { code = '', notSent } = error as { code?: string; notSent?: boolean };
  const uncertain = !notSent && code !== 'ECONNREFUSED' && code !== 'UND_ERR_CONNECT_TIMEOUT';
  const result: UnitResult = { kind: 'retry', error: `${code || 'network'}: ${(error as Error).message}`, uncertain };
  return { results: units.map(() => result) };
}

/** One result for every unit. */
export function all(units: readonly SendUnit[], result: UnitResult, pauseMs?: number): BatchResult {
  return pauseMs === undefined ? { results: units.map(() => result) } : { results: units.map(() => result), pauseMs };
}

/** The common reading of an HTTP status: 429 throttles, 5xx retries, other 4xx fail for good. */
export function byStatus(units: readonly SendUnit[], res: WireResponse, what: string): BatchResult {
  if (res.status === 429) return all(units, { kind: 'throttled' }, retryAfterMs(res, 1000));
  if (res.status >= 500) {
    return all(units, { kind: 'retry', error: `${what} ${res.status}`, uncertain: false, afterMs: retryAfterMs(res, 0) });
  }
  return all(units, { kind: 'failed', error: `${what} ${res.status}: ${res.text.slice(0, 200)}` });
}
