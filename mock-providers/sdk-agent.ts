import { Agent as HttpsAgent } from 'node:https';
import { connect, type Socket } from 'node:net';

/**
 * An `https.Agent` whose connections go, in plain HTTP, to a mock on loopback: for SDKs
 * that hard-code an `https://` host but take an agent as documented initialisation, such as
 * firebase-admin (`initializeApp({ httpAgent })`; it always calls `https://fcm.googleapis.com`).
 * The request line, headers and body are what the SDK sends to the real host; only the
 * socket differs. It must be an `https.Agent`: Node refuses an agent of another protocol.
 *
 * @param baseUrl - any URL of the mock server (`http://127.0.0.1:PORT/...`); only its host
 *   and port are used, the SDK's own path is kept.
 */
export function mockHttpsAgent(baseUrl: string): HttpsAgent {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:') throw new Error(`mockHttpsAgent: baseUrl must be an http:// URL of the mock, got ${baseUrl}`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 80);
  return new (class extends HttpsAgent {
    // Overrides the TLS dial; Node's Agent calls it with (options, callback) and accepts a returned socket.
    override createConnection(): Socket {
      return connect({ host, port });
    }
  })({ keepAlive: true });
}
