import type { FastifyInstance, FastifyReply } from 'fastify';
import { eucKrLength, LMS_MAX_BYTES, LMS_TITLE_MAX_BYTES, SMS_MAX_BYTES } from '../../src/core/index.ts';
import type { SmsConfig } from '../kinds/sms.ts';
import type { ProviderRuntime } from '../runtime.ts';
import { endWithFault, installErrorHandler, isObject, type ProviderPluginOptions, retryAfterSeconds, unreported } from './shared.ts';

/** Result codes of this mock (NHN Cloud SMS v3.0 style: negative in the header, per recipient in `sendResultList`). */
export const SMS_CODES = {
  success: 0,
  invalidAppKey: -1000,
  invalidSecret: -1001,
  malformed: -1003,
  unregisteredSendNo: -2002,
  /** The text is longer than its type allows (SMS 90 bytes, LMS 2,000, title 40, in EUC-KR). */
  tooLong: -2004,
  /** The text holds a character EUC-KR cannot encode (an emoji): the carrier refuses it. */
  notEncodable: -2005,
  tpsExceeded: -9997,
  internal: -9999,
} as const;

const MAX_RECIPIENTS = 1000;

/** The gateway's envelope: `{header: {isSuccessful, resultCode, resultMessage}}`. */
export function renderSmsError(reply: FastifyReply, status: number, message: string, resultCode?: number): FastifyReply {
  const code = resultCode ?? (status >= 500 ? SMS_CODES.internal : SMS_CODES.malformed);
  return reply.code(status).send({ header: { isSuccessful: false, resultCode: code, resultMessage: message } });
}

interface SmsRecipient {
  recipientNo: string;
  templateParameter: Record<string, string>;
  /** The sender's per-recipient key, the client key the mock dedupes on. */
  groupingKey: string | null;
}

interface SmsRequest {
  type: 'SMS' | 'LMS';
  body: string;
  title: string;
  sendNo: string;
  recipients: SmsRecipient[];
}

function parseSms(body: unknown, type: 'SMS' | 'LMS'): SmsRequest | string {
  if (!isObject(body)) return 'body must be a JSON object';
  if (typeof body.body !== 'string' || body.body === '') return 'body is required';
  if (typeof body.sendNo !== 'string' || body.sendNo === '') return 'sendNo is required';
  if (body.title !== undefined && typeof body.title !== 'string') return 'title must be a string';
  const list = body.recipientList;
  if (!Array.isArray(list) || list.length === 0) return `recipientList needs 1 to ${MAX_RECIPIENTS} recipients`;
  if (list.length > MAX_RECIPIENTS) return `recipientList allows at most ${MAX_RECIPIENTS} recipients, got ${list.length}`;
  const recipients: SmsRecipient[] = [];
  for (const [i, r] of list.entries()) {
    if (!isObject(r) || typeof r.recipientNo !== 'string' || !/^\+?[0-9-]{3,20}$/.test(r.recipientNo))
      return `recipientList[${i}].recipientNo must be a phone number`;
    const params = r.templateParameter ?? {};
    if (!isObject(params)) return `recipientList[${i}].templateParameter must be a map`;
    const key = r.recipientGroupingKey;
    if (key !== undefined && key !== null && typeof key !== 'string') return `recipientList[${i}].recipientGroupingKey must be a string`;
    recipients.push({ recipientNo: r.recipientNo, templateParameter: params as Record<string, string>, groupingKey: key ?? null });
  }
  return { type, body: body.body, title: (body.title as string | undefined) ?? '', sendNo: body.sendNo, recipients };
}

/** Substitutes `##key##` with the recipient's own parameters (own keys only; a missing one stays as written). */
export function fillSmsTemplate(text: string, params: Record<string, string>): string {
  return text.replace(/##([^#]+)##/g, (whole, key: string) => (Object.hasOwn(params, key) ? String(params[key]) : whole));
}

/** Why a rendered text cannot go out as this type, or null when it can. */
function refusal(type: 'SMS' | 'LMS', text: string, title: string): { code: number; message: string } | null {
  const bytes = eucKrLength(text);
  const titleBytes = eucKrLength(title);
  if (bytes === null || titleBytes === null)
    return { code: SMS_CODES.notEncodable, message: 'text holds a character EUC-KR cannot encode' };
  if (type === 'SMS' && bytes > SMS_MAX_BYTES)
    return { code: SMS_CODES.tooLong, message: `SMS body is ${bytes} bytes in EUC-KR (at most ${SMS_MAX_BYTES}): send it as LMS` };
  if (type === 'LMS' && bytes > LMS_MAX_BYTES)
    return { code: SMS_CODES.tooLong, message: `LMS body is ${bytes} bytes (at most ${LMS_MAX_BYTES})` };
  if (type === 'LMS' && titleBytes > LMS_TITLE_MAX_BYTES)
    return { code: SMS_CODES.tooLong, message: `LMS title is ${titleBytes} bytes (at most ${LMS_TITLE_MAX_BYTES})` };
  return null;
}

/** One route: `sender/sms` (SMS) or `sender/mms` (LMS: a long text, no attachment). */
function route(app: FastifyInstance, runtime: ProviderRuntime, path: string, type: 'SMS' | 'LMS'): void {
  app.post<{ Params: { appKey: string } }>(`/sms/v3.0/appKeys/:appKey/sender/${path}`, async (request, reply) => {
    const config = runtime.config as SmsConfig;
    const fail = (status: number, code: number, message: string, units = 0) => {
      runtime.log({ status, units, outcome: code === SMS_CODES.tpsExceeded ? 'over-limit' : 'bad-request', recipient: null, id: null });
      return renderSmsError(reply, status, message, code);
    };
    if (request.params.appKey !== config.appKey) return fail(400, SMS_CODES.invalidAppKey, 'invalid appKey');
    if (config.secretKey !== null && request.headers['x-secret-key'] !== config.secretKey)
      return fail(401, SMS_CODES.invalidSecret, 'invalid secret key');
    const parsed = parseSms(request.body, type);
    if (typeof parsed === 'string') return fail(400, SMS_CODES.malformed, parsed);
    if (!config.sendNos.includes(parsed.sendNo))
      return fail(400, SMS_CODES.unregisteredSendNo, `sendNo ${parsed.sendNo} is not registered`);
    const units = parsed.recipients.length;
    const admission = runtime.admit(units);
    if (!admission.admitted) {
      reply.header('retry-after', retryAfterSeconds(admission.retryAfterMs));
      return fail(429, SMS_CODES.tpsExceeded, 'TPS limit exceeded', units);
    }
    const numbers = parsed.recipients.map((r) => r.recipientNo);
    const hit = runtime.faults.empty ? null : runtime.faults.match(runtime.elapsed(), numbers);
    if (hit && (await endWithFault(hit, request, reply, runtime, renderSmsError, numbers))) return reply;
    const sendResultList = parsed.recipients.map((r, i) => {
      const base = { recipientNo: r.recipientNo, recipientSeq: i + 1, recipientGroupingKey: r.groupingKey };
      const text = fillSmsTemplate(parsed.body, r.templateParameter);
      const refused = refusal(parsed.type, text, parsed.title);
      if (refused) return { ...base, resultCode: refused.code, resultMessage: refused.message };
      const original = runtime.acceptedBefore(r.groupingKey);
      // SMS or LMS, the same words are the same message to the person who gets them twice.
      const content = `${parsed.title}\u0001${text}`;
      runtime.record(
        r.recipientNo,
        content,
        r.groupingKey,
        original ?? runtime.newId(),
        original === undefined && !unreported(hit, r.recipientNo),
      );
      return { ...base, resultCode: SMS_CODES.success, resultMessage: 'SUCCESS' };
    });
    const requestId = runtime.newId();
    runtime.log({ status: 200, units, outcome: 'accepted', recipient: numbers[0] ?? null, id: requestId });
    await runtime.wait(admission.queueMs);
    return reply.send({
      header: { isSuccessful: true, resultCode: SMS_CODES.success, resultMessage: 'SUCCESS' },
      body: { data: { requestId, statusCode: '2', senderGroupingKey: null, sendResultList } },
    });
  });
}

/** A Korean SMS/LMS gateway (NHN Cloud SMS v3.0 shape; wire contract, "SMS gateway"). */
export async function smsPlugin(app: FastifyInstance, { runtime }: ProviderPluginOptions): Promise<void> {
  installErrorHandler(app, runtime, renderSmsError);
  route(app, runtime, 'sms', 'SMS');
  route(app, runtime, 'mms', 'LMS');
}
