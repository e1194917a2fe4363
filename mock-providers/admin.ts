import type { FastifyInstance } from 'fastify';
import { FloodgateError } from '../src/core/index.ts';
import type { MockMetrics } from './metrics.ts';
import type { ProviderRuntime } from './runtime.ts';

/** Recipients one `/lookup` call may ask about (the runner pages through larger campaigns). */
const MAX_LOOKUP = 100_000;

/** Reads a non-negative integer query parameter. */
function int(value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof value === 'string' && value !== '' ? Number(value) : Number.NaN;
  return Number.isInteger(n) && n >= 0 ? Math.min(n, max) : fallback;
}

/**
 * The admin API under `/__mock/` and Prometheus `/metrics`. Bound with the providers, to
 * 127.0.0.1 by default; it has no authentication, as a test double's control panel.
 */
export async function adminPlugin(app: FastifyInstance, opts: { runtimes: Map<string, ProviderRuntime>; metrics: MockMetrics }) {
  const { runtimes, metrics } = opts;
  type Named = { Params: { name: string } };
  const find = (name: string) => runtimes.get(name);
  const notFound = (name: string) => ({ error: `no provider named "${name}"`, providers: [...runtimes.keys()] });

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
