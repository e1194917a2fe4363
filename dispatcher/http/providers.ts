import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.ts';

/**
 * GET /v1/providers: each account's kind, rate, what it holds in flight, and its send quota
 * (`null` without one): `{limit, windowMs, used, paused, reason, resumesAt}`, resumesAt as ISO.
 */
export function registerProviderRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/v1/providers', async (_request, reply) => {
    const now = ctx.clock.now();
    const providers = [...ctx.senders.entries()].map(([name, sender]) => {
      const account = ctx.config.providers[name];
      const quota = sender.quota(now);
      return {
        name,
        kind: account?.kind ?? null,
        tps: account?.tps ?? null,
        rate: sender.rate(now),
        inFlight: sender.inFlight,
        quota: quota && { ...quota, resumesAt: quota.resumesAt === null ? null : new Date(quota.resumesAt).toISOString() },
      };
    });
    return reply.send({ providers });
  });
}
