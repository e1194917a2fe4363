#!/usr/bin/env node
/**
 * Story 1 before the fix: a mail dispatcher that LOADS EVERY SUBSCRIBER INTO MEMORY, then sends
 * them through a task queue of 6,000. Each subscriber costs about 22.5 KiB of heap (the row, the
 * rendered mail) and all of them stay referenced until the whole campaign is sent, so the peak
 * heap grows with the audience: with `node --max-old-space-size=256` it runs out near 11,000
 * subscribers, as the team's 256 MB JVM did at 7 a.m.
 *
 * It speaks the reference dispatcher's campaign API as floodgate's scenarios use it (POST
 * /v1/campaigns with a generator, GET /v1/campaigns/:id, POST /v1/messages, GET /healthz) and
 * sends mail through SES v2 (`POST {mocks}/{provider}/v2/email/outbound-emails`). Node standard
 * library only. `GET /metrics` exposes heap used and RSS under the reference dispatcher's metric
 * names, so a scenario's monitors read both dispatchers the same way.
 *
 *   node dispatcher.mjs --mocks http://127.0.0.1:9090 [--port 0] [--token T] [--tps 14]
 *                       [--bytes-per-subscriber 23040] [--queue 6000] [--threads 8]
 * stdout: `listening on http://127.0.0.1:PORT` (one line); errors go to stderr.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    mocks: { type: 'string' },
    token: { type: 'string', default: 'floodgate-run-token' },
    tps: { type: 'string', default: '14' },
    'bytes-per-subscriber': { type: 'string', default: '23040' },
    queue: { type: 'string', default: '6000' },
    threads: { type: 'string', default: '8' },
  },
});
const config = {
  port: Number(values.port),
  mocks: values.mocks?.replace(/\/+$/, ''),
  token: values.token,
  tps: Number(values.tps),
  bytes: Number(values['bytes-per-subscriber']),
  queue: Number(values.queue),
  threads: Number(values.threads),
};
for (const [key, value] of Object.entries(config)) {
  if (value === undefined || (typeof value === 'number' && !(value >= 0))) {
    process.stderr.write(`story1-load-everything: --${key} is missing or not a number\n`);
    process.exit(2);
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: config.threads * 2 });
const campaigns = new Map();
let nextId = 1;

/** One SES v2 SendEmail, one recipient; resolves to true when SES accepted it. */
function sendMail(provider, to, subject, text, clientKey) {
  const body = JSON.stringify({
    FromEmailAddress: 'morning@maeil-mail.test',
    Destination: { ToAddresses: [to] },
    Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text.slice(0, 200) } } } },
    EmailTags: [{ Name: 'client_key', Value: clientKey }],
  });
  const url = new URL(`${config.mocks}/${provider}/v2/email/outbound-emails`);
  return new Promise((resolve) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      },
    );
    req.on('error', () => resolve(false));
    req.end(body);
  });
}

function expand(pattern, n) {
  return pattern.replace(/\{n(?::(\d+))?\}|\{seq\}/g, (m, width) =>
    m === '{seq}' ? String(n + 1) : width ? String(n).padStart(Number(width), '0') : String(n),
  );
}

/**
 * The original design: read every subscriber, build each one's mail in memory (about
 * `bytes` each, all retained), then feed them to `threads` senders through a bounded queue.
 */
async function runCampaign(c) {
  const loaded = [];
  for (let i = 0; i < c.count; i++) {
    const to = expand(c.pattern, i);
    // The rendered mail: unique per subscriber, so V8 cannot share it.
    const mail = `${to}|${c.template}|${JSON.stringify(c.params)}|`.padEnd(c.bytes, String.fromCharCode(97 + (i % 26)));
    loaded.push({ id: i, to, mail, subscribedAt: Date.now() });
    // Yield now and then, as a paged SELECT would, so /metrics answers while it loads.
    if (i % 2000 === 1999) await new Promise((r) => setImmediate(r));
  }
  c.state = 'sending';
  const queue = [];
  let fed = 0;
  const spacing = config.tps > 0 ? 1000 / config.tps : 0;
  let nextSlot = Date.now();
  const feed = () => {
    while (queue.length < config.queue && fed < loaded.length) queue.push(loaded[fed++]);
  };
  const worker = async () => {
    for (;;) {
      feed();
      const task = queue.shift();
      if (!task) return;
      const wait = nextSlot - Date.now();
      nextSlot = Math.max(nextSlot, Date.now()) + spacing;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const ok = await sendMail(c.provider, task.to, c.template, task.mail, `${c.runId}-${task.id}`);
      if (ok) c.sent++;
      else c.failed++;
    }
  };
  await Promise.all(Array.from({ length: config.threads }, worker));
  c.state = 'done';
  c.finishedAt = new Date().toISOString();
  // `loaded` is released only here: the whole audience was held for the whole send.
  loaded.length = 0;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      try {
        resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {});
      } catch {
        reject(new Error('body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

function reply(res, status, body, type = 'application/json') {
  const text = type === 'application/json' ? JSON.stringify(body) : body;
  res.writeHead(status, { 'content-type': type });
  res.end(text);
}

// Heap used right after the latest full GC (what the process holds, without uncollected garbage),
// exposed under the reference dispatcher's name so one scenario reads both.
let heapAfterGc = getHeapStatistics().used_heap_size;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) heapAfterGc = getHeapStatistics().used_heap_size;
}).observe({ entryTypes: ['gc'] });

function metrics() {
  const m = process.memoryUsage();
  return [
    '# TYPE floodgate_dispatcher_nodejs_heap_size_used_bytes gauge',
    `floodgate_dispatcher_nodejs_heap_size_used_bytes ${m.heapUsed}`,
    '# TYPE floodgate_dispatcher_heap_after_gc_bytes gauge',
    `floodgate_dispatcher_heap_after_gc_bytes ${heapAfterGc}`,
    '# TYPE floodgate_dispatcher_process_resident_memory_bytes gauge',
    `floodgate_dispatcher_process_resident_memory_bytes ${m.rss}`,
    '',
  ].join('\n');
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/metrics') return reply(res, 200, metrics(), 'text/plain; version=0.0.4');
  if (req.method === 'GET' && (url.pathname === '/healthz' || url.pathname === '/'))
    return reply(res, 200, { ok: true, service: 'story1-load-everything' });
  if (req.headers.authorization !== `Bearer ${config.token}`) return reply(res, 401, { error: 'missing or wrong bearer token' });
  if (req.method === 'POST' && url.pathname === '/v1/campaigns') {
    const b = await readBody(req);
    const count = b.generator?.count;
    if (!Number.isInteger(count) || count < 1)
      return reply(res, 400, { error: 'generator.count: a whole number above 0', field: 'generator.count' });
    if (typeof b.provider !== 'string') return reply(res, 400, { error: 'provider: required', field: 'provider' });
    const id = nextId++;
    const c = {
      id,
      runId: randomUUID(),
      provider: b.provider,
      template: String(b.template ?? ''),
      params: b.params ?? {},
      pattern: String(b.generator.pattern ?? 'user-{n}'),
      count,
      bytes: config.bytes,
      state: 'loading',
      sent: 0,
      failed: 0,
      finishedAt: null,
    };
    campaigns.set(id, c);
    runCampaign(c).catch((error) => {
      c.state = 'failed';
      process.stderr.write(`campaign ${id}: ${error.message}\n`);
    });
    return reply(res, 201, { id: String(id), accepted: count, total: count, status: `/v1/campaigns/${id}` });
  }
  const status = /^\/v1\/campaigns\/(\d+)$/.exec(url.pathname);
  if (req.method === 'GET' && status) {
    const c = campaigns.get(Number(status[1]));
    if (!c) return reply(res, 404, { error: `campaign ${status[1]} does not exist` });
    return reply(res, 200, {
      id: String(c.id),
      state: c.state,
      total: c.count,
      counts: { sent: c.sent, failed: c.failed },
      finishedAt: c.finishedAt,
    });
  }
  if (req.method === 'POST' && url.pathname === '/v1/messages') {
    const b = await readBody(req);
    if (typeof b.to !== 'string' || typeof b.provider !== 'string') return reply(res, 400, { error: 'to and provider are required' });
    const ok = await sendMail(b.provider, b.to, String(b.template ?? ''), String(b.template ?? ''), randomUUID());
    return reply(res, ok ? 202 : 502, { accepted: ok ? 1 : 0 });
  }
  return reply(res, 404, { error: `no route ${req.method} ${url.pathname}` });
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => reply(res, 400, { error: error.message }));
});
server.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
