import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerCampaignRoutes, STREAM_TYPES } from './campaigns.ts';
import type { AppContext } from './context.ts';
import { ApiError, handleError } from './errors.ts';
import { registerMessageRoutes } from './messages.ts';
import { createMetrics } from './metrics.ts';
import { registerProviderRoutes } from './providers.ts';

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Builds the HTTP API. Write endpoints (every POST) need `Authorization: Bearer <token>`;
 * the delivery-report endpoint also takes `?token=` because brokers call a bare URL back.
 */
export function buildApp(ctx: AppContext): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: ctx.config.ingest.jsonBodyLimit });
  // Recipient uploads are handed to the route as the raw stream and parsed line by line.
  app.addContentTypeParser([...STREAM_TYPES], (_request, payload, done) => done(null, payload));
  app.setErrorHandler(handleError);
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'POST') return;
    const auth = request.headers.authorization;
    const fromQuery = request.url.startsWith('/v1/reports/') ? (request.query as { token?: string }).token : undefined;
    const given = auth?.startsWith('Bearer ') ? auth.slice(7) : fromQuery;
    if (given === undefined) throw new ApiError('unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
    if (!sameToken(given, ctx.config.token)) throw new ApiError('unauthorized', 'wrong bearer token');
  });
  registerCampaignRoutes(app, ctx);
  registerMessageRoutes(app, ctx);
  registerProviderRoutes(app, ctx);
  const registry = createMetrics(ctx);
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  app.get('/healthz', async () => ({ ok: true }));
  return app;
}
