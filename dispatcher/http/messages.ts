import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { toRecipient } from '../ingest/sources.ts';
import { toClientKey } from '../store/db.ts';
import { TX_TO_PARAM } from '../store/outbox.ts';
import { reportInstant } from '../store/reports.ts';
import { type AppContext, resolveProvider } from './context.ts';
import { ApiError, parseOr400 } from './errors.ts';

const MessageBody = z
  .object({
    channel: z.string().min(1),
    provider: z.string().min(1).optional(),
    to: z.string(),
    template: z.string().min(1).max(200),
    params: z.record(z.string(), z.string()).optional(),
  })
  .strict();

const DELIVERY_REPORT = z
  .object({
    messageId: z.string().min(1).max(200),
    recipientNo: z.string().max(320).optional(),
    clientKey: z.string().max(200).nullable().optional(),
    resultCode: z.string().min(1).max(20),
    reportTime: z
      .string()
      .max(40)
      .refine(
        (t) => reportInstant(t) !== undefined,
        'not an ISO-8601 time with a zone, e.g. 2026-11-30T10:00:00Z or 2026-11-30T19:00:00+09:00',
      ),
  })
  // Not strict: a broker that adds a field must not have its reports refused (it would retry forever).
  .strip();

/** POST /v1/messages (one transactional message) and POST /v1/reports/:provider. */
export function registerMessageRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/v1/messages', async (request, reply) => {
    const body = parseOr400(MessageBody, request.body, 'message');
    const provider = resolveProvider(ctx.config, body.channel, body.provider);
    const to = toRecipient(body.to, 'to').to;
    const hash = createHash('sha256').update(JSON.stringify(request.body)).digest('hex');
    const headerKey = request.headers['idempotency-key'] as string | undefined;
    const key = headerKey ?? randomUUID();
    const now = Math.round(ctx.clock.now());
    const inserted = await ctx.store.insertMessage({
      provider,
      channel: body.channel,
      template: body.template,
      row: { to: key, params: { ...body.params, [TX_TO_PARAM]: to } },
      now,
      idempotency: headerKey === undefined ? undefined : { key, hash, status: 202 },
      answer: (id) => ({ id: String(id), clientKey: toClientKey(ctx.store, id), provider, status: 'queued' }),
    });
    if (inserted.replay && inserted.stored.body_hash !== hash) {
      throw new ApiError('idempotency_conflict', `Idempotency-Key "${key}" was used with a different body`);
    }
    const answer = inserted.replay
      ? { status: inserted.stored.status, body: JSON.parse(inserted.stored.response) as unknown, replay: true }
      : { status: 202, body: inserted.body, replay: false };
    if (!answer.replay) ctx.senders.get(provider)?.poke();
    return reply.code(answer.status).send(answer.body);
  });

  app.post('/v1/reports/:provider', async (request, reply) => {
    const name = (request.params as { provider: string }).provider;
    // Own keys only: `constructor` or `__proto__` is no provider (it would store an orphan report under it).
    if (!Object.hasOwn(ctx.config.providers, name)) throw new ApiError('unknown_report_provider', `provider "${name}" is not configured`);
    const report = parseOr400(DELIVERY_REPORT, request.body, 'delivery report');
    const result = await ctx.store.storeReport(name, report, Math.round(ctx.clock.now()));
    if (result === 'unknown') {
      // Not stored: the client key was not issued by this dispatcher.
      throw new ApiError('unknown_message', `clientKey "${report.clientKey}" was not issued by this dispatcher`);
    }
    if (result === 'orphan') {
      return reply
        .code(202)
        .send({ result, reason: `message ${report.messageId} is not recorded yet; the report is kept and applied when it is` });
    }
    return reply.code(200).send({ result });
  });
}
