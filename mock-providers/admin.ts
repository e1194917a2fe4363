import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { FloodgateError } from '../src/core/index.ts';
import type { MockMetrics } from './metrics.ts';
import { RunBusyError, RunRegistry } from './runs.ts';
import type { ProviderRuntime } from './runtime.ts';

/** Recipients one `/lookup` call may ask about (the runner pages through larger campaigns). */
const MAX_LOOKUP = 100_000;
/** Deliveries one feed page returns at most, and by default. */
const MAX_FEED_PAGE = 50_000;
const FEED_PAGE = 10_000;

/** Reads a non-negative integer query parameter. */
function int(value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof value === 'string' && value !== '' ? Number(value) : Number.NaN;
  return Number.isInteger(n) && n >= 0 ? Math.min(n, max) : fallback;
}

/** Compares a presented token with the expected one in constant time. */
function tokenMatches(presented: string | undefined, expected: string): boolean {
  const m = /^Bearer (.+)$/.exec(presented ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1] as string);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The admin API under `/__mock/`, `GET /healthz` and Prometheus `/metrics`. With a `token`
 * (required when the server listens beyond loopback) every `/__mock` request needs
 * `Authorization: Bearer <token>`; health and metrics stay open, as a monitoring system expects.
 */
export async function adminPlugin(
  app: FastifyInstance,
  opts: { runtimes: Map<string, ProviderRuntime>; metrics: MockMetrics; token: string | null },
) {
  const { runtimes, metrics, token } = opts;
  const runs = new RunRegistry(runtimes);
  type Named = { Params: { name: string } };
  // A Map: a provider named `constructor` or `__proto__` is never found on a prototype.
  const find = (name: string) => runtimes.get(name);
  const notFound = (name: string) => ({ error: `no provider named "${name.slice(0, 100)}"`, providers: [...runtimes.keys()] });

  if (token !== null) {
    app.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/__mock')) return;
      if (!tokenMatches(request.headers.authorization, token)) {
        return reply
          .code(401)
          .send({ error: "the admin API needs `Authorization: Bearer <token>` (the mock's --token / FLOODGATE_MOCK_TOKEN)" });
      }
    });
  }
  app.get('/healthz', async () => ({ ok: true, providers: [...runtimes.keys()], run: runs.active?.id ?? null }));
  app.post('/__mock/runs', async (request, reply) => {
    const body = (request.body ?? {}) as { name?: unknown; providers?: unknown };
    if (typeof body !== 'object' || Array.isArray(body)) return reply.code(400).send({ error: 'the body must be a JSON object' });
    try {
      return reply.code(201).send(runs.begin(body));
    } catch (error) {
      if (error instanceof RunBusyError) return reply.code(409).send({ error: error.message });
      if (error instanceof FloodgateError) return reply.code(400).send({ error: error.message, issues: error.issues });
      throw error;
    }
  });
  app.get('/__mock/runs/current', async () => ({
    run: runs.active ? { id: runs.active.id, name: runs.active.name, startedAt: runs.active.startedAt } : null,
  }));
  app.delete<{ Params: { id: string } }>('/__mock/runs/:id', async (request, reply) => {
    const ended = runs.end(request.params.id);
    if (!ended) return reply.code(409).send({ error: runs.refuse(request.params.id) ?? `run ${request.params.id} is not active` });
    return { ended: ended.id, restored: [...ended.saved.keys()] };
  });
  // A reader that names its run (`?run=<id>`) is refused once another run has begun: never someone else's figures.
  app.addHook('preHandler', async (request, reply) => {
    const run = (request.query as { run?: string } | undefined)?.run;
    if (!request.url.startsWith('/__mock/') || request.url.startsWith('/__mock/runs')) return;
    const why = runs.refuse(run);
    if (why) return reply.code(409).send({ error: why });
  });
  app.get<Named & { Querystring: { after?: string; limit?: string; until?: string } }>(
    '/__mock/:name/deliveries',
    async (request, reply) => {
      const runtime = find(request.params.name);
      if (!runtime) return reply.code(404).send(notFound(request.params.name));
      const q = request.query;
      const page = runtime.feed.read(
        int(q.after, 0),
        int(q.limit, FEED_PAGE, MAX_FEED_PAGE) || FEED_PAGE,
        q.until === undefined ? Number.POSITIVE_INFINITY : int(q.until, Number.POSITIVE_INFINITY),
      );
      if (page.gone) {
        return reply.code(410).send({
          error: `cursor ${q.after} is older than the ${runtime.feed.capacity} deliveries this feed keeps: the reader fell behind`,
          head: page.head,
        });
      }
      return { run: runs.active?.id ?? null, ...page };
    },
  );

  app.get('/__mock', async () => ({
    providers: [...runtimes.values()].map((r) => ({ name: r.name, kind: r.config.kind, url: r.url })),
  }));
  app.post('/__mock/reset', async () => {
    for (const runtime of runtimes.values()) runtime.reset();
    return { reset: [...runtimes.keys()] };
  });
  app.get<Named>('/__mock/:name/stats', async (request, reply) => {
    const runtime = find(request.params.name);
    return runtime ? runtime.stats() : reply.code(404).send(notFound(request.params.name));
  });
  app.post<Named>('/__mock/:name/reset', async (request, reply) => {
    const runtime = find(request.params.name);
    if (!runtime) return reply.code(404).send(notFound(request.params.name));
    runtime.reset();
    return { reset: [runtime.name] };
  });
  app.get<Named>('/__mock/:name/config', async (request, reply) => {
    const runtime = find(request.params.name);
    return runtime ? runtime.config : reply.code(404).send(notFound(request.params.name));
  });
  app.put<Named>('/__mock/:name/config', async (request, reply) => {
    const runtime = find(request.params.name);
    if (!runtime) return reply.code(404).send(notFound(request.params.name));
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return reply.code(400).send({ error: 'the body must be a JSON object of config keys' });
    }
    try {
      return runtime.reconfigure(body as Record<string, unknown>);
    } catch (error) {
      if (error instanceof FloodgateError) return reply.code(400).send({ error: error.message, issues: error.issues });
      throw error;
    }
  });
  app.post<Named>('/__mock/:name/lookup', { bodyLimit: 32 * 1024 * 1024 }, async (request, reply) => {
    const runtime = find(request.params.name);
    if (!runtime) return reply.code(404).send(notFound(request.params.name));
    const recipients = (request.body as { recipients?: unknown } | null)?.recipients;
    if (!Array.isArray(recipients) || !recipients.every((r) => typeof r === 'string')) {
      return reply.code(400).send({ error: 'the body must be {"recipients": [string, ...]}' });
    }
    if (recipients.length > MAX_LOOKUP)
      return reply.code(400).send({ error: `at most ${MAX_LOOKUP} recipients a lookup, got ${recipients.length}` });
    return { entries: runtime.lookup(recipients) };
  });
  app.get<Named & { Querystring: { limit?: string } }>('/__mock/:name/duplicates', async (request, reply) => {
    const runtime = find(request.params.name);
    if (!runtime) return reply.code(404).send(notFound(request.params.name));
    const summary = runtime.ledger.summary();
    return { ...summary, offenders: runtime.ledger.offenderList(int(request.query.limit, 100, 100_000)) };
  });
  app.get<Named & { Querystring: { offset?: string; limit?: string } }>('/__mock/:name/callbacks', async (request, reply) => {
    const runtime = find(request.params.name);
    if (!runtime) return reply.code(404).send(notFound(request.params.name));
    if (!runtime.callbacks) return { counters: null, total: 0, entries: [] };
    const page = runtime.callbacks.attempts(int(request.query.offset, 0), int(request.query.limit, 100, 10_000));
    return { counters: runtime.callbacks.counters, ...page };
  });
  app.get<Named & { Querystring: { offset?: string; limit?: string } }>('/__mock/:name/journal', async (request, reply) => {
    const runtime = find(request.params.name);
    if (!runtime) return reply.code(404).send(notFound(request.params.name));
    return runtime.journal.page(int(request.query.offset, 0), int(request.query.limit, 100, 10_000));
  });
  app.get('/metrics', async (_request, reply) => {
    for (const runtime of runtimes.values()) {
      metrics.windowMax.set({ provider: runtime.name, window: '1s' }, runtime.recorder.maxPerSecondWindow);
      metrics.windowMax.set({ provider: runtime.name, window: '60s' }, runtime.recorder.maxPerMinuteWindow);
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
