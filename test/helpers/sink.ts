import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the sink treats one request: answer after `delay` ms, or never (`hang`). */
export type SinkBehaviour = (index: number, now: number) => { delay?: number; hang?: boolean; status?: number };

/** A loopback HTTP server that records when each request arrived (performance.now ms). */
export interface Sink {
  url: string;
  arrivals: number[];
  paths: string[];
  close(): Promise<void>;
}

/**
 * Starts a sink on 127.0.0.1 port 0. `concurrency` bounds how many requests it serves at once
 * (the rest wait in its queue), which gives a known capacity of concurrency / delay.
 */
export async function startSink(behaviour: SinkBehaviour = () => ({}), options: { concurrency?: number } = {}): Promise<Sink> {
  const arrivals: number[] = [];
  const paths: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const limit = options.concurrency ?? Number.POSITIVE_INFINITY;
  let busy = 0;
  const queue: (() => void)[] = [];
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const now = performance.now();
    const index = arrivals.push(now) - 1;
    paths.push(`${req.method} ${req.url}`);
    req.resume();
    const { delay = 0, hang = false, status = 200 } = behaviour(index, now);
    if (hang) return;
    const respond = () => {
      busy++;
      const t = setTimeout(() => {
        timers.delete(t);
        busy--;
        if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":true}');
        queue.shift()?.();
      }, delay);
      timers.add(t);
    };
    if (busy < limit) respond();
    else queue.push(respond);
  };
  const server = createServer({ keepAliveTimeout: 60_000 }, serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Counts arrivals per full second after the first arrival. */
export function perSecond(arrivals: readonly number[], start: number, seconds: number): number[] {
  const counts = new Array<number>(seconds).fill(0);
  for (const t of arrivals) {
    const i = Math.floor((t - start) / 1000);
    if (i >= 0 && i < seconds) counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}
