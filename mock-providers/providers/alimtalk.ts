import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AlimtalkConfig } from '../kinds/alimtalk.ts';
import { hashKey } from '../ledger.ts';
import type { ProviderRuntime } from '../runtime.ts';
import { endWithFault, installErrorHandler, isObject, type ProviderPluginOptions, retryAfterSeconds, unreported } from './shared.ts';

/** Broker header codes (NHN Cloud Alimtalk v2.3 style) used by this mock. */
export const ALIMTALK_CODES = {
  success: 0,
  malformed: -1000,
  badSecret: -1004,
  duplicateRequest: -1005,
  unknownTemplate: -1006,
  unknownSender: -1007,
  unknownAppKey: -1008,
  tpsExceeded: -2001,
  internal: -9999,
  /** Kakao's per-recipient code for a text that does not match the registered template. */
  templateMismatch: 3016,
  /** Kakao's per-recipient code for a number that is not a KakaoTalk user (톡 유저가 아님): send an SMS instead. */
  notKakaoUser: 3019,
} as const;

const MAX_RECIPIENTS = 1000;

/** The broker's error envelope: everything is in `header`. */
export function renderAlimtalkError(reply: FastifyReply, status: number, message: string, resultCode?: number): FastifyReply {
  const code = resultCode ?? (status >= 500 ? ALIMTALK_CODES.internal : ALIMTALK_CODES.malformed);
  return reply.code(status).send({ header: { isSuccessful: false, resultCode: code, resultMessage: message } });
}

interface Recipient {
  recipientNo: string;
  templateParameter: Record<string, string>;
  content: string | undefined;
  clientKey: string | null;
}

interface ParsedRequest {
  senderKey: string;
  templateCode: string;
  recipients: Recipient[];
}

function parseRequest(body: unknown): ParsedRequest | string {
  if (!isObject(body)) return 'body must be a JSON object';
  if (typeof body.senderKey !== 'string') return 'senderKey is required';
  if (typeof body.templateCode !== 'string') return 'templateCode is required';
  const list = body.recipientList;
  if (!Array.isArray(list) || list.length === 0) return 'recipientList needs 1 to 1000 recipients';
  if (list.length > MAX_RECIPIENTS) return `recipientList allows at most ${MAX_RECIPIENTS} recipients, got ${list.length}`;
  const recipients: Recipient[] = [];
  for (const [i, r] of list.entries()) {
    if (!isObject(r) || typeof r.recipientNo !== 'string' || r.recipientNo === '') return `recipientList[${i}].recipientNo is required`;
    const params = r.templateParameter ?? {};
    if (!isObject(params)) return `recipientList[${i}].templateParameter must be a map`;
    if (r.content !== undefined && typeof r.content !== 'string') return `recipientList[${i}].content must be a string`;
    if (r.clientKey !== undefined && r.clientKey !== null && typeof r.clientKey !== 'string')
      return `recipientList[${i}].clientKey must be a string`;
    recipients.push({
      recipientNo: r.recipientNo,
      templateParameter: params as Record<string, string>,
      content: r.content as string | undefined,
      clientKey: (r.clientKey as string | undefined) ?? null,
    });
  }
  return { senderKey: body.senderKey, templateCode: body.templateCode, recipients };
}

/**
 * Substitutes `#{var}` parameters into a template; null when a parameter is missing
 * (Kakao then refuses with 3016, as for a text that differs by one character).
 */
export function renderTemplate(template: string, params: Record<string, unknown>): string | null {
  let missing = false;
  const text = template.replace(/#\{([^}]+)\}/g, (_m, name: string) => {
    // Own keys only: `#{constructor}` with no such parameter is missing, not Object's constructor.
    const value = Object.hasOwn(params, name) ? params[name] : undefined;
    if (value === undefined || value === null) {
      missing = true;
      return '';
    }
    return String(value);
  });
  return missing ? null : text;
}

/** True for the numbers a `notKakaoUsers` share marks as having no KakaoTalk: a stable hash of the number. */
export function isNotKakaoUser(recipientNo: string, share: number): boolean {
  const [high] = hashKey([recipientNo, 'not-a-kakaotalk-user']);
  return high / 0x1_0000_0000 < share;
}

interface SendResult {
  recipientSeq: number;
  recipientNo: string;
  clientKey: string | null;
  resultCode: number;
  resultMessage: string;
  messageId: string | null;
}

/** Decides and records each recipient of an admitted request. */
function sendAll(
  runtime: ProviderRuntime,
  config: AlimtalkConfig,
  parsed: ParsedRequest,
  template: string,
  hit: ReturnType<ProviderRuntime['faults']['match']>,
) {
  const results: SendResult[] = [];
  parsed.recipients.forEach((r, i) => {
    const base = { recipientSeq: i + 1, recipientNo: r.recipientNo, clientKey: r.clientKey };
    const text = renderTemplate(template, r.templateParameter);
    if (text === null || (r.content !== undefined && r.content !== text)) {
      results.push({ ...base, resultCode: ALIMTALK_CODES.templateMismatch, resultMessage: 'template mismatch', messageId: null });
      return;
    }
    if (config.notKakaoUsers > 0 && isNotKakaoUser(r.recipientNo, config.notKakaoUsers)) {
      // Accepted by the broker, delivered to no one: the ledger sees the attempt, the feed no delivery.
      runtime.record(r.recipientNo, text, r.clientKey, runtime.newId(), false);
      results.push({ ...base, resultCode: ALIMTALK_CODES.notKakaoUser, resultMessage: 'not a KakaoTalk user', messageId: null });
      return;
    }
    const original = runtime.acceptedBefore(r.clientKey);
    if (original !== undefined) {
      runtime.record(r.recipientNo, text, r.clientKey, original, false);
      results.push({ ...base, resultCode: ALIMTALK_CODES.duplicateRequest, resultMessage: 'duplicate client key', messageId: original });
      return;
    }
    const messageId = runtime.newId();
    const silent = unreported(hit, r.recipientNo);
    const resultCode = runtime.callbacks?.outcome() ?? '1000';
    runtime.record(r.recipientNo, text, r.clientKey, messageId, resultCode === '1000');
    if (!silent && config.callbacks.url !== null) {
      runtime.callbacks?.schedule({ messageId, recipientNo: r.recipientNo, clientKey: r.clientKey, resultCode, reportTime: '' });
    }
    results.push({ ...base, resultCode: 0, resultMessage: 'success', messageId });
  });
  return results;
}

/** The Alimtalk broker's `messages` endpoint (wire contract, "Alimtalk broker"). */
export async function alimtalkPlugin(app: FastifyInstance, { runtime }: ProviderPluginOptions): Promise<void> {
  installErrorHandler(app, runtime, renderAlimtalkError);
  app.post<{ Params: { appKey: string } }>('/alimtalk/v2.3/appkeys/:appKey/messages', async (request, reply) => {
    const config = runtime.config as AlimtalkConfig;
    const fail = (status: number, code: number, message: string, units = 0) => {
      runtime.log({
        status,
        units,
        outcome: code === ALIMTALK_CODES.tpsExceeded ? 'over-limit' : 'bad-request',
        recipient: null,
        id: null,
      });
      return renderAlimtalkError(reply, status, message, code);
    };
    if (request.params.appKey !== config.appKey) return fail(400, ALIMTALK_CODES.unknownAppKey, 'unknown appKey');
    if (config.secretKey !== null && request.headers['x-secret-key'] !== config.secretKey) {
      return fail(401, ALIMTALK_CODES.badSecret, 'invalid secret key');
    }
    const parsed = parseRequest(request.body);
    if (typeof parsed === 'string') return fail(400, ALIMTALK_CODES.malformed, parsed);
    if (!config.senderKeys.includes(parsed.senderKey)) return fail(400, ALIMTALK_CODES.unknownSender, 'unknown senderKey');
    // Own keys only: `constructor` or `toString` is an unknown template (-1006), never Object.prototype's.
    const template = Object.hasOwn(config.templates, parsed.templateCode) ? config.templates[parsed.templateCode] : undefined;
    if (template === undefined) return fail(400, ALIMTALK_CODES.unknownTemplate, 'unknown templateCode');
    const idempotencyKey = request.headers['x-idempotency-key'];
    const idemKey = typeof idempotencyKey === 'string' && idempotencyKey !== '' ? idempotencyKey : null;
    if (idemKey !== null && runtime.seenIdempotencyKey(idemKey)) {
      runtime.log({ status: 200, units: 0, outcome: 'duplicate-request', recipient: null, id: null });
      return reply.send({
        header: { isSuccessful: false, resultCode: ALIMTALK_CODES.duplicateRequest, resultMessage: 'duplicate request' },
      });
    }
    const units = parsed.recipients.length;
    // A request is admitted or refused whole.
    const admission = runtime.admit(units);
    if (!admission.admitted) {
      if (config.overLimit === 'code') {
        runtime.log({ status: 200, units, outcome: 'over-limit', recipient: null, id: null });
        return renderAlimtalkError(reply, 200, 'TPS limit exceeded', ALIMTALK_CODES.tpsExceeded);
      }
      reply.header('retry-after', retryAfterSeconds(admission.retryAfterMs));
      return fail(429, ALIMTALK_CODES.tpsExceeded, 'TPS limit exceeded', units);
    }
    const recipientNos = parsed.recipients.map((r) => r.recipientNo);
    const hit = runtime.faults.empty ? null : runtime.faults.match(runtime.elapsed(), recipientNos);
    if (hit && (await endWithFault(hit, request, reply, runtime, renderAlimtalkError, recipientNos))) return reply;
    if (idemKey !== null) runtime.rememberIdempotencyKey(idemKey);
    const sendResults = sendAll(runtime, config, parsed, template, hit);
    const requestId = runtime.newId();
    runtime.log({ status: 200, units, outcome: 'accepted', recipient: recipientNos[0] ?? null, id: requestId });
    await runtime.wait(admission.queueMs);
    return reply.send({
      header: { isSuccessful: true, resultCode: 0, resultMessage: 'success' },
      message: { requestId, senderGroupingKey: null, sendResults },
    });
  });
}
