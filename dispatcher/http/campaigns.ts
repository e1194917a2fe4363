import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ingestRows } from '../ingest/ingest.ts';
import { parseSchedule, scheduled } from '../ingest/schedule.ts';
import { generateRecipients, IngestError, parseCsv, parseNdjson, splitLines, toRecipient } from '../ingest/sources.ts';
import { STATE_NAMES } from '../store/db.ts';
import type { IngestRow } from '../store/outbox.ts';
import { type AppContext, resolveProvider } from './context.ts';
import { ApiError, parseOr400 } from './errors.ts';

const meta = {
  channel: z.string().min(1),
  provider: z.string().min(1).optional(),
  template: z.string().min(1).max(200),
  params: z.record(z.string(), z.string()).optional(),
  content: z.string().min(1).max(10_000).optional(),
};

const CampaignBody = z
  .object({
    ...meta,
    recipients: z.array(z.unknown()).optional(),
    generator: z
      .object({ count: z.number().int().min(1), pattern: z.string().min(1).max(200) })
      .strict()
      .optional(),
    /** When the recipients fall due (see `dispatcher/ingest/schedule.ts`); checked by `parseSchedule`. */
    schedule: z.unknown().optional(),
  })
  .strict();

const CampaignQuery = z
  .object({
    ...meta,
    params: z
      .string()
      .transform((text, ctx) => {
        try {
          return z.record(z.string(), z.string()).parse(JSON.parse(text));
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON object of strings' });
          return z.NEVER;
        }
      })
      .optional(),
    token: z.string().optional(),
    /** The `schedule` object as JSON text (no `spreadMs`: a stream's count is not known up front). */
    schedule: z.string().optional(),
  })
  .strict();

/** Content types that are streamed (not buffered) into the outbox. */
export const STREAM_TYPES = ['application/x-ndjson', 'text/csv'] as const;

interface Plan {
  meta: { channel: string; provider: string; template: string; params: string | null; content: string | null };
  rows: Iterable<IngestRow> | AsyncIterable<IngestRow>;
  /** Resolves to the body hash once `rows` has been fully consumed. */
  hash: () => string;
}

function planFromJson(ctx: AppContext, body: unknown): Plan {
  const b = parseOr400(CampaignBody, body, 'campaign');
  if ((b.recipients === undefined) === (b.generator === undefined)) {
    throw new ApiError('invalid_request', 'campaign: give exactly one of `recipients` or `generator`');
  }
  if (b.generator && b.generator.count > ctx.config.ingest.maxGenerated) {
    throw new ApiError('invalid_request', `generator.count: at most ${ctx.config.ingest.maxGenerated}`);
  }
  const provider = resolveProvider(ctx.config, b.channel, b.provider);
  const list = b.recipients;
  if (list !== undefined && list.length === 0) throw new IngestError('recipients: the list is empty');
  // Validate the inline list before anything is stored.
  const count = list ? list.length : (b.generator?.count ?? 0);
  const schedule = b.schedule === undefined ? undefined : parseSchedule(b.schedule, count);
  const listed = list
    ? list.map((r, i) => toRecipient(r, `recipients[${i}]`))
    : generateRecipients(b.generator?.count ?? 0, b.generator?.pattern ?? '');
  const rows = schedule ? scheduled(listed, schedule, count) : listed;
  const digest = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  return { meta: toMeta(b, provider), rows, hash: () => digest };
}

function planFromStream(ctx: AppContext, request: FastifyRequest): Plan {
  const q = parseOr400(CampaignQuery, request.query, 'campaign query');
  const provider = resolveProvider(ctx.config, q.channel, q.provider);
  const hasher = createHash('sha256').update(request.url.replace(/([?&])token=[^&]*/, '$1'));
  // Do not destroy the request when parsing stops early: the error answer still has to go out.
  const stream = (request.body as Readable).iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
  async function* tapped() {
    for await (const chunk of stream) {
      hasher.update(chunk);
      yield chunk;
    }
  }
  const lines = splitLines(tapped(), ctx.config.ingest.maxLineBytes);
  const csv = (request.headers['content-type'] ?? '').startsWith('text/csv');
  const schedule = q.schedule === undefined ? undefined : parseSchedule(parseJsonText(q.schedule, 'schedule'), undefined);
  const parsed = csv ? parseCsv(lines) : parseNdjson(lines);
  let digest: string | undefined;
  return {
    meta: toMeta(q, provider),
    rows: schedule ? scheduled(parsed, schedule, 0) : parsed,
    hash: () => (digest ??= hasher.digest('hex')),
  };
}

function parseJsonText(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new IngestError(`${where}: not valid JSON`);
  }
}

function toMeta(
  m: { channel: string; template: string; params?: Record<string, string> | undefined; content?: string | undefined },
  provider: string,
) {
  return {
    channel: m.channel,
    provider,
    template: m.template,
    params: m.params ? JSON.stringify(m.params) : null,
    content: m.content ?? null,
  };
}

/** Answers a repeat of an Idempotency-Key: the original answer, or 409 when the body differs. */
async function replay(ctx: AppContext, key: string, hash: string, reply: FastifyReply) {
  const stored = await ctx.store.idempotency(key);
  if (!stored) return undefined;
  if (stored.body_hash !== hash) {
    throw new ApiError('idempotency_conflict', `Idempotency-Key "${key}" was used with a different body`);
  }
  return reply.code(stored.status).header('idempotent-replay', 'true').send(JSON.parse(stored.response));
}

/** Bodies read after an error, before answering (so the client sees the answer); beyond this the socket is cut. */
const DRAIN_CAP_BYTES = 64 * 1024 * 1024;

/** Reads and discards the rest of a request body. */
function drain(body: unknown): Promise<void> {
  const r = body as Readable;
  if (!r || typeof r.resume !== 'function' || r.readableEnded || r.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    let seen = 0;
    r.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > DRAIN_CAP_BYTES) r.destroy();
    });
    r.once('end', () => resolve());
    r.once('close', () => resolve());
    r.once('error', () => resolve());
    r.resume();
  });
}

async function consume(rows: Plan['rows']) {
  for await (const _ of rows);
}

/** POST /v1/campaigns and GET /v1/campaigns/:id. */
export function registerCampaignRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/v1/campaigns', async (request, reply) => {
    const streamed = STREAM_TYPES.some((t) => (request.headers['content-type'] ?? '').startsWith(t));
    try {
      return await createCampaign(ctx, request, reply, streamed);
    } catch (error) {
      if (streamed) await drain(request.body);
      throw error;
    }
  });

  registerStatus(app, ctx);
}

async function createCampaign(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, streamed: boolean) {
  const key = request.headers['idempotency-key'] as string | undefined;
  const plan = streamed ? planFromStream(ctx, request) : planFromJson(ctx, request.body);
  if (key !== undefined && (await ctx.store.idempotency(key))) {
    // A repeat: read (not store) the body to compare it with the first.
    if (streamed) await consume(plan.rows);
    return replay(ctx, key, plan.hash(), reply);
  }
  const now = ctx.clock.now();
  const id = await ctx.store.beginCampaign({ kind: 'campaign', ...plan.meta }, Math.round(now));
  let answer: Record<string, unknown>;
  try {
    const counted = await ingestRows(ctx.store, id, plan.rows, ctx.config.ingest.batchSize, () => Math.round(ctx.clock.now()));
    answer = { id: String(id), ...counted, status: `/v1/campaigns/${id}` };
    const entry = key === undefined ? undefined : { key, hash: plan.hash(), status: 201, response: answer };
    await ctx.store.commitCampaign(id, counted.total, counted.duplicates, Math.round(now), entry);
  } catch (error) {
    await ctx.store.abortCampaign(id);
    if (key !== undefined && (await ctx.store.idempotency(key))) return replay(ctx, key, plan.hash(), reply);
    throw error;
  }
  ctx.senders.get(plan.meta.provider)?.poke();
  return reply.code(201).send(answer);
}

function registerStatus(app: FastifyInstance, ctx: AppContext) {
  app.get('/v1/campaigns/:id', async (request, reply) => {
    const id = Number((request.params as { id: string }).id);
    const c = Number.isSafeInteger(id) ? await ctx.store.campaign(id) : undefined;
    if (!c || c.state === 'ingesting') throw new ApiError('not_found', `campaign ${(request.params as { id: string }).id} does not exist`);
    const { states, uncertain, reports } = await ctx.store.counts(id);
    const counts: Record<string, number> = Object.fromEntries(STATE_NAMES.map((name) => [name, 0]));
    for (const s of states) counts[STATE_NAMES[s.state] ?? `state${s.state}`] = s.n;
    const delivered = reports.find((r) => r.code === '1000')?.n ?? 0;
    const undelivered = reports.filter((r) => r.code !== '1000').reduce((a, r) => a + r.n, 0);
    const now = ctx.clock.now();
    const sender = ctx.senders.get(c.provider);
    const rate = sender?.campaignRate(id, now) ?? 0;
    const remaining = (counts.pending ?? 0) + (counts.claimed ?? 0) + (counts.inFlight ?? 0);
    // Pending rows not yet due (scheduled, or backing off before a retry): a subset of `pending`.
    const scheduledRows = (counts.pending ?? 0) > 0 ? await ctx.store.scheduled(id, now) : 0;
    const pace =
      rate > 0 ? rate : ((Object.hasOwn(ctx.config.providers, c.provider) ? ctx.config.providers[c.provider]?.tps : undefined) ?? 0);
    return reply.send({
      id: String(c.id),
      state: c.state,
      channel: c.channel,
      provider: c.provider,
      template: c.template,
      total: c.total,
      duplicates: c.duplicates,
      counts: { ...counts, scheduled: scheduledRows, uncertain, delivered, undelivered },
      rate,
      etaSeconds: remaining === 0 ? 0 : pace > 0 ? remaining / pace : null,
      // The account paused on its send quota (rows stay pending): the ETA above does not count the wait.
      quotaPaused: sender?.quota(now)?.paused ?? false,
      createdAt: new Date(c.created_at).toISOString(),
      finishedAt: c.finished_at === null ? null : new Date(c.finished_at).toISOString(),
    });
  });
}
