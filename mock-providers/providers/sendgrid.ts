import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ProviderRuntime } from '../runtime.ts';
import { endWithFault, installErrorHandler, isObject, type ProviderPluginOptions, unreported } from './shared.ts';

/** SendGrid's error body: `{"errors":[{"message", "field"?}]}`. */
export function renderSendgridError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ errors: [{ message, field: null, help: null }] });
}

interface ParsedMail {
  recipients: string[];
  clientKeys: (string | null)[];
  content: string;
}

function parseMail(body: unknown): ParsedMail | string {
  if (!isObject(body)) return 'The request body must be a JSON object.';
  if (!Array.isArray(body.personalizations) || body.personalizations.length === 0) return 'The personalizations field is required.';
  if (!isObject(body.from) || typeof body.from.email !== 'string') return 'The from object must be provided for every email send.';
  if (typeof body.subject !== 'string' && !body.template_id) return 'The subject is required.';
  if (!Array.isArray(body.content) && !body.template_id) return 'The content value must be a list of objects.';
  const recipients: string[] = [];
  const clientKeys: (string | null)[] = [];
  for (const p of body.personalizations) {
    if (!isObject(p) || !Array.isArray(p.to) || p.to.length === 0) return 'Each personalization needs a to list.';
    const key = isObject(p.custom_args) && typeof p.custom_args.client_key === 'string' ? p.custom_args.client_key : null;
    for (const to of p.to) {
      if (!isObject(to) || typeof to.email !== 'string') return 'Each to needs an email.';
      recipients.push(to.email);
      clientKeys.push(key);
    }
  }
  if (recipients.length > 1000) return 'The total number of recipients must be no more than 1000.';
  return { recipients, clientKeys, content: `${body.subject ?? ''}\u0001${JSON.stringify(body.content ?? body.template_id)}` };
}

/** `X-RateLimit-*` on every response, from the limiter's current window. */
function rateLimitHeaders(runtime: ProviderRuntime, reply: FastifyReply): void {
  const view = runtime.peek();
  reply.header('x-ratelimit-limit', String(view.limit));
  reply.header('x-ratelimit-remaining', String(view.remaining));
  reply.header('x-ratelimit-reset', String(Math.ceil(view.resetAtMs / 1000)));
}

/** SendGrid v3 `mail/send` (wire contract, "SendGrid v3"). */
export async function sendgridPlugin(app: FastifyInstance, { runtime }: ProviderPluginOptions): Promise<void> {
  installErrorHandler(app, runtime, renderSendgridError);
  app.addHook('onSend', async (_request, reply, payload) => {
    rateLimitHeaders(runtime, reply);
    return payload;
  });
  app.post('/v3/mail/send', async (request, reply) => {
    if (!/^Bearer \S+/.test(request.headers.authorization ?? '')) {
      runtime.log({ status: 401, units: 0, outcome: 'unauthenticated', recipient: null, id: null });
      return renderSendgridError(reply, 401, 'The provided authorization grant is invalid, expired, or revoked');
    }
    // SendGrid counts requests, valid or not.
    const admission = runtime.admit(1);
    if (!admission.admitted) {
      runtime.log({ status: 429, units: 1, outcome: 'over-limit', recipient: null, id: null });
      return renderSendgridError(reply, 429, 'too many requests');
    }
    const mail = parseMail(request.body);
    if (typeof mail === 'string') {
      runtime.log({ status: 400, units: 1, outcome: 'bad-request', recipient: null, id: null });
      return renderSendgridError(reply, 400, mail);
    }
    const { recipients } = mail;
    const hit = runtime.faults.empty ? null : runtime.faults.match(runtime.elapsed(), recipients);
    if (hit && (await endWithFault(hit, request, reply, runtime, renderSendgridError, recipients))) return reply;
    // A request is deduplicated when its first personalization's client key was accepted before.
    const original = runtime.acceptedBefore(mail.clientKeys[0] ?? null);
    const id = original ?? runtime.newId();
    recipients.forEach((r, i) => {
      const delivered = original === undefined && !unreported(hit, r);
      runtime.record(r, mail.content, mail.clientKeys[i] ?? null, id, delivered);
    });
    runtime.log({ status: 202, units: 1, outcome: original ? 'deduplicated' : 'accepted', recipient: recipients[0] ?? null, id });
    await runtime.wait(admission.queueMs);
    return reply.code(202).header('x-message-id', id).send();
  });
}
