import type { Server as HttpServer } from 'node:http';
import { createServer as createHttp2Server, type Http2Server } from 'node:http2';
import type { Socket } from 'node:net';

/** The HTTP/2 connection preface a client with prior knowledge (h2c) sends first (RFC 9113, 3.4). */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** Handles a request, whichever protocol carried it (fastify's `routing`). */
export type RequestHandler = (req: never, res: never) => void;

/** The h2c side of a server that also speaks HTTP/1.1 on the same port. */
export interface H2cSide {
  /** Destroys every HTTP/2 connection and every connection not yet routed (server close must not wait for them). */
  close(): void;
}

/**
 * Makes an HTTP/1.1 server speak h2c (HTTP/2 over cleartext with prior knowledge) on the same
 * port: each new connection's first bytes are read; a connection that opens with the HTTP/2
 * preface is handed to an HTTP/2 server whose requests go to the same handler, any other to
 * the HTTP/1.1 server as before. FCM's real endpoint speaks HTTP/2; a sender that uses it pays
 * no per-request connection or header-parsing costs of HTTP/1.1, and SDKs that speak HTTP/1.1
 * keep working against the same URL.
 */
export function serveH2c(server: HttpServer, handler: RequestHandler): H2cSide {
  const h2: Http2Server = createHttp2Server({ settings: { maxConcurrentStreams: 1024 } }, handler as never);
  const sessions = new Set<Socket>();
  // Connections that have not sent their first bytes yet belong to neither server: a client that
  // connects and goes away without writing (a sender killed mid-connect) must not stay half-open
  // in CLOSE_WAIT, where it kept the server's close() waiting for ever.
  const unrouted = new Set<Socket>();
  const http1 = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    unrouted.add(socket);
    const gone = () => {
      unrouted.delete(socket);
      socket.destroy();
    };
    socket.once('end', gone);
    socket.once('error', gone);
    socket.once('close', () => unrouted.delete(socket));
    const route = (first: Buffer) => {
      unrouted.delete(socket);
      socket.off('end', gone);
      socket.off('error', gone);
      socket.pause();
      socket.unshift(first);
      if (first.length >= 3 && PREFACE.subarray(0, Math.min(first.length, PREFACE.length)).equals(first.subarray(0, PREFACE.length))) {
        sessions.add(socket);
        socket.once('close', () => sessions.delete(socket));
        // The HTTP/2 session reads what is buffered (the preface) and then the socket itself.
        h2.emit('connection', socket);
      } else {
        for (const listener of http1) listener.call(server, socket);
        socket.resume();
      }
    };
    socket.once('data', route);
  });
  return {
    close() {
      for (const socket of [...sessions, ...unrouted]) socket.destroy();
      sessions.clear();
      unrouted.clear();
    },
  };
}
