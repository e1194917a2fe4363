import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ProviderRuntime } from '../runtime.ts';
import {
  memberList,
  paramsFromQuery,
  parseForm,
  type QueryParams,
  renderSesV1Error,
  sendQueryError,
  sendQueryResult,
  tagMap,
} from './ses-query.ts';
import { addressesOf, headerTags, parseRawMessage } from './ses-raw.ts';
import { deliverEmail, MAX_RECIPIENTS, type ParsedEmail, sendQuota } from './ses-send.ts';
import { installErrorHandler, type ProviderPluginOptions } from './shared.ts';

/** A v1 request that cannot be sent: the awsQuery error code and a message naming the field. */
interface Rejection {
  code: 'MissingParameter' | 'InvalidParameterValue';
  message: string;
}

function missing(name: string): Rejection {
  return { code: 'MissingParameter', message: `The request must contain the parameter ${name}.` };
}

function invalid(message: string): Rejection {
  return { code: 'InvalidParameterValue', message };
}

function checkRecipients(recipients: string[]): Rejection | null {
  if (recipients.length === 0) return invalid('Destination needs at least one address (ToAddresses, CcAddresses or BccAddresses).');
  if (recipients.length > MAX_RECIPIENTS) return invalid(`Recipient count exceeds ${MAX_RECIPIENTS}.`);
  if (recipients.some((r) => r === '')) return invalid('Destination addresses must not be empty.');
  return null;
}

/** `SendEmail`: Source, Destination.{To,Cc,Bcc}Addresses.member.N, Message.Subject/Body, Tags. */
function parseSendEmail(params: QueryParams): ParsedEmail | Rejection {
  if (!params.get('Source')) return missing('Source');
  const recipients = ['ToAddresses', 'CcAddresses', 'BccAddresses'].flatMap((k) => memberList(params, `Destination.${k}`));
  const problem = checkRecipients(recipients);
  if (problem) return problem;
  const subject = params.get('Message.Subject.Data');
  if (subject === undefined) return missing('Message.Subject.Data');
  const content = (prefix: string) => {
    const data = params.get(`${prefix}.Data`);
    if (data === undefined) return undefined;
    const charset = params.get(`${prefix}.Charset`);
    return charset === undefined ? { Data: data } : { Data: data, Charset: charset };
  };
  // The same shape as v2's Content.Simple, so one email is one content whichever API sent it.
  const body = { Text: content('Message.Body.Text'), Html: content('Message.Body.Html') };
  const simple = { Simple: { Subject: content('Message.Subject'), Body: body } };
  return { recipients, content: JSON.stringify(simple), clientKey: tagMap(params).get('client_key') ?? null };
}

/** `SendRawEmail`: RawMessage.Data (base64); recipients from Destinations or To/Cc/Bcc headers. */
function parseSendRawEmail(params: QueryParams): ParsedEmail | Rejection {
  const data = params.get('RawMessage.Data');
  if (data === undefined || data === '') return missing('RawMessage.Data');
  if (!/^[A-Za-z0-9+/=\s]*$/.test(data)) return invalid('RawMessage.Data must be base64-encoded.');
  const message = parseRawMessage(Buffer.from(data, 'base64').toString('utf8'));
  const destinations = memberList(params, 'Destinations');
  const recipients = destinations.length > 0 ? destinations : addressesOf(message, ['to', 'cc', 'bcc']);
  const problem = checkRecipients(recipients);
  if (problem) return problem;
  if (!params.get('Source') && addressesOf(message, ['from']).length === 0) return invalid("Missing required header 'From'.");
  // Content identity: subject and body; Date and Message-ID differ on every retry of one email.
  const subject = message.headers.get('subject')?.[0] ?? '';
  const clientKey = tagMap(params).get('client_key') ?? headerTags(message).get('client_key') ?? null;
  return { recipients, content: `raw\u0001${subject}\u0001${message.body}`, clientKey };
}

// A Map, not an object: `Action=constructor` must not find Object's own properties.
const SENDERS = new Map<string, (params: QueryParams) => ParsedEmail | Rejection>([
  ['SendEmail', parseSendEmail],
  ['SendRawEmail', parseSendRawEmail],
]);

/** Runs one Query action. */
async function handle(runtime: ProviderRuntime, params: QueryParams, request: FastifyRequest, reply: FastifyReply) {
  const action = params.get('Action');
  if (action === 'GetSendQuota') return sendQueryResult(reply, action, { ...sendQuota(runtime) });
  const parse = action === undefined ? undefined : SENDERS.get(action);
  if (parse === undefined) {
    runtime.log({ status: 400, units: 0, outcome: 'bad-request', recipient: null, id: null });
    if (!action) return sendQueryError(reply, 400, 'MissingAction', 'The request must contain the parameter Action.');
    return sendQueryError(reply, 400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
  }
  const email = parse(params);
  if ('code' in email) {
    runtime.log({ status: 400, units: 0, outcome: 'bad-request', recipient: null, id: null });
    return sendQueryError(reply, 400, email.code, email.message);
  }
  const id = await deliverEmail(runtime, email, request, reply, renderSesV1Error);
  return id === null ? reply : sendQueryResult(reply, action as string, { MessageId: id });
}

/**
 * SES v1 (AWS Query protocol) at `POST /` of the SES prefix: `SendEmail`, `SendRawEmail`,
 * `GetSendQuota`; what Spring Cloud AWS's SesClient, boto3's `ses` and `aws ses` speak.
 * Registered inside the SES plugin, so the form parser and XML errors apply only here.
 */
export async function sesV1Plugin(app: FastifyInstance, { runtime }: ProviderPluginOptions): Promise<void> {
  installErrorHandler(app, runtime, renderSesV1Error);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseForm(body as string));
  });
  app.post('/', async (request, reply) => {
    const params = request.body instanceof Map ? (request.body as QueryParams) : new Map<string, string>();
    return handle(runtime, params, request, reply);
  });
  // The Query protocol also allows the parameters in a GET's query string.
  app.get('/', async (request, reply) => handle(runtime, paramsFromQuery(request.query), request, reply));
}
