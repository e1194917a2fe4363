import type { FastifyInstance, FastifyReply } from 'fastify';
import { deliverEmail, MAX_RECIPIENTS, type ParsedEmail, sendQuota } from './ses-send.ts';
import { sesV1Plugin } from './ses-v1.ts';
import { installErrorHandler, isObject, type ProviderPluginOptions } from './shared.ts';

/** SES v2 error types by HTTP status (the SDK reads `x-amzn-ErrorType`). */
const SES_ERRORS: Record<number, string> = {
  400: 'BadRequestException',
  403: 'AccessDeniedException',
  404: 'NotFoundException',
  413: 'BadRequestException',
  429: 'TooManyRequestsException',
  500: 'InternalFailure',
  503: 'ServiceUnavailable',
};

/** An AWS REST-JSON error: the type in `x-amzn-ErrorType`, the message in the body; no Retry-After. */
export function renderSesError(reply: FastifyReply, status: number, message: string): FastifyReply {
  const type = SES_ERRORS[status] ?? (status >= 500 ? 'InternalFailure' : 'BadRequestException');
  return reply.code(status).header('x-amzn-errortype', type).header('x-amzn-requestid', 'floodgate-mock').send({ message });
}

function addresses(destination: Record<string, unknown>, key: string): string[] | string {
  const list = destination[key];
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.some((a) => typeof a !== 'string' || a === '')) return `Destination.${key} must be a list of addresses`;
  return list as string[];
}

function parseEmail(body: unknown): ParsedEmail | string {
  if (!isObject(body)) return 'Request body must be a JSON object';
  if (typeof body.FromEmailAddress !== 'string' || body.FromEmailAddress === '') return 'FromEmailAddress is required';
  if (!isObject(body.Destination)) return 'Destination is required';
  const recipients: string[] = [];
  for (const key of ['ToAddresses', 'CcAddresses', 'BccAddresses']) {
    const list = addresses(body.Destination, key);
    if (typeof list === 'string') return list;
    recipients.push(...list);
  }
  if (recipients.length === 0) return 'Destination needs at least one address';
  if (recipients.length > MAX_RECIPIENTS) return `Recipient count exceeds ${MAX_RECIPIENTS}`;
  const content = body.Content;
  if (!isObject(content) || !(isObject(content.Simple) || isObject(content.Template) || isObject(content.Raw))) {
    return 'Content must hold Simple, Template or Raw';
  }
  if (isObject(content.Simple) && !isObject(content.Simple.Subject)) return 'Content.Simple.Subject is required';
  let clientKey: string | null = null;
  if (body.EmailTags !== undefined) {
    if (!Array.isArray(body.EmailTags)) return 'EmailTags must be a list';
    for (const tag of body.EmailTags) {
      if (!isObject(tag) || typeof tag.Name !== 'string' || typeof tag.Value !== 'string') return 'EmailTags entries need Name and Value';
      if (tag.Name === 'client_key') clientKey = tag.Value;
    }
  }
  return { recipients, content: JSON.stringify(content), clientKey };
}

/**
 * Amazon SES: v2 `outbound-emails` and `account` (wire contract, "Amazon SES v2"), and v1's
 * Query protocol at `POST /` (ses-v1.ts). Both versions share one limiter, ledger and journal.
 */
export async function sesPlugin(app: FastifyInstance, { runtime }: ProviderPluginOptions): Promise<void> {
  installErrorHandler(app, runtime, renderSesError);
  app.post('/v2/email/outbound-emails', async (request, reply) => {
    const email = parseEmail(request.body);
    if (typeof email === 'string') {
      runtime.log({ status: 400, units: 0, outcome: 'bad-request', recipient: null, id: null });
      return renderSesError(reply, 400, email);
    }
    const id = await deliverEmail(runtime, email, request, reply, renderSesError);
    return id === null ? reply : reply.send({ MessageId: id });
  });
  // GetAccount: the SDKs' way to read the quota; a read, so neither admitted nor journaled.
  app.get('/v2/email/account', async (_request, reply) =>
    reply.send({
      DedicatedIpAutoWarmupEnabled: false,
      EnforcementStatus: 'HEALTHY',
      ProductionAccessEnabled: true,
      SendQuota: sendQuota(runtime),
      SendingEnabled: true,
      SuppressionAttributes: { SuppressedReasons: [] },
    }),
  );
  // Its own encapsulated context: the form parser and XML errors stay with v1.
  await app.register(sesV1Plugin, { runtime });
}
