import { type ChildProcess, spawn } from 'node:child_process';

/**
 * A loopback sink in its own process (so it does not share the generator's event loop or CPU
 * account): answers every request at once with a small JSON body over keep-alive, and counts
 * arrivals per second relative to the first arrival since the last reset.
 */
const SINK_SOURCE = `
const http = require('node:http');
let arrivals = [];
const server = http.createServer({ keepAliveTimeout: 60000 }, (req, res) => {
  arrivals.push(performance.now());
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 }).end('{"ok":true}');
});
server.maxConnections = 20000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'reset') { arrivals = []; process.send({ reset: true }); }
  if (m === 'counts') {
    const t0 = arrivals[0] ?? 0;
    const counts = [];
    for (const t of arrivals) { const i = Math.floor((t - t0) / 1000); counts[i] = (counts[i] ?? 0) + 1; }
    process.send({ counts: Array.from(counts, (c) => c ?? 0), total: arrivals.length });
  }
  if (m === 'exit') server.close(() => process.exit(0));
});
`;

/** A running sink process. */
export interface BenchSink {
  url: string;
  reset(): Promise<void>;
  counts(): Promise<{ counts: number[]; total: number }>;
  close(): Promise<void>;
}

function ask<T>(child: ChildProcess, message: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (key in m) {
        child.off('message', on);
        resolve(m as T);
      }
    };
    child.on('message', on);
    child.send(message);
  });
}

/** Starts the sink on 127.0.0.1 port 0. */
export async function startBenchSink(): Promise<BenchSink> {
  const child = spawn(process.execPath, ['-e', SINK_SOURCE], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`sink exited ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    reset: async () => {
      await ask(child, 'reset', 'reset');
    },
    counts: () => ask(child, 'counts', 'counts'),
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('exit');
        setTimeout(() => child.kill(), 2000).unref();
      }),
  };
}
