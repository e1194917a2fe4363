import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/**
 * The AWS Query protocol as SES v1 speaks it: form-encoded parameters in, XML out.
 * Shapes follow botocore's `ses/2010-12-01/service-2.json` (protocol `query`, namespace below)
 * and the Smithy awsQuery spec (errors as `<ErrorResponse><Error><Type><Code><Message>`).
 */

/** SES v1's XML namespace (the service model's `xmlNamespace`). */
export const SES_V1_NAMESPACE = 'http://ses.amazonaws.com/doc/2010-12-01/';

/** Decoded Query parameters: flat names such as `Destination.ToAddresses.member.1`. */
export type QueryParams = Map<string, string>;

/** Parses a form-encoded body (later repeats of a name win, as AWS reads them). */
export function parseForm(body: string): QueryParams {
  return new Map(new URLSearchParams(body));
}

/** Query parameters from fastify's parsed query string (for `GET /?Action=...`). */
export function paramsFromQuery(query: unknown): QueryParams {
  const params: QueryParams = new Map();
  if (typeof query !== 'object' || query === null) return params;
  for (const [key, value] of Object.entries(query)) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (typeof last === 'string') params.set(key, last);
  }
  return params;
}

/**
 * A Query list: `<prefix>.member.1`, `.member.2`, ... in index order. Gaps end nothing (AWS
 * sorts by index); an empty list may be sent as `<prefix>=` and reads as [].
 */
export function memberList(params: QueryParams, prefix: string): string[] {
  const head = `${prefix}.member.`;
  const items: [number, string][] = [];
  for (const [key, value] of params) {
    if (!key.startsWith(head)) continue;
    const index = Number(key.slice(head.length));
    if (Number.isInteger(index) && index > 0) items.push([index, value]);
  }
  return items.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}

/** `Tags.member.N.Name` / `.Value` pairs as a map (a later duplicate name wins). */
export function tagMap(params: QueryParams, prefix = 'Tags'): Map<string, string> {
  const head = `${prefix}.member.`;
  const tags = new Map<string, string>();
  for (const [key, name] of params) {
    if (!key.startsWith(head) || !key.endsWith('.Name')) continue;
    const index = key.slice(head.length, -'.Name'.length);
    tags.set(name, params.get(`${head}${index}.Value`) ?? '');
  }
  return tags;
}

/** Escapes text for an XML element. */
export function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** Renders `{a: 1}` as `<a>1</a>` (values escaped; nested objects become nested elements). */
function elements(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([name, value]) =>
      typeof value === 'object' && value !== null
        ? `<${name}>${elements(value as Record<string, unknown>)}</${name}>`
        : `<${name}>${xmlEscape(String(value))}</${name}>`,
    )
    .join('');
}

/** Answers an action's result: `<{Action}Response><{Action}Result>...</...><ResponseMetadata>`. */
export function sendQueryResult(reply: FastifyReply, action: string, result: Record<string, unknown>): FastifyReply {
  const requestId = randomUUID();
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${SES_V1_NAMESPACE}">` +
    `<${action}Result>${elements(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return reply.code(200).header('content-type', 'text/xml').header('x-amzn-requestid', requestId).send(xml);
}

/** Answers an awsQuery error. `Sender` for the caller's faults, `Receiver` for the service's. */
export function sendQueryError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  const requestId = randomUUID();
  const type = status >= 500 ? 'Receiver' : 'Sender';
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${SES_V1_NAMESPACE}">` +
    `<Error><Type>${type}</Type><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`;
  return reply.code(status).header('content-type', 'text/xml').header('x-amzn-requestid', requestId).send(xml);
}

/**
 * SES v1's errors for the statuses the shared send path and fastify raise. Throttling (rate
 * and daily quota alike) is HTTP 400 with code `Throttling` in SES v1, not 429.
 */
const V1_ERRORS: Record<number, { status: number; code: string }> = {
  400: { status: 400, code: 'InvalidParameterValue' },
  403: { status: 403, code: 'AccessDenied' },
  404: { status: 400, code: 'InvalidParameterValue' },
  413: { status: 400, code: 'MessageRejected' },
  415: { status: 400, code: 'InvalidParameterValue' },
  429: { status: 400, code: 'Throttling' },
  500: { status: 500, code: 'InternalFailure' },
  503: { status: 503, code: 'ServiceUnavailable' },
};

/** The shared `RenderError` for v1: maps a status to SES v1's code and wire status. */
export function renderSesV1Error(reply: FastifyReply, status: number, message: string): FastifyReply {
  const known = V1_ERRORS[status] ?? (status >= 500 ? { status, code: 'InternalFailure' } : { status, code: 'InvalidParameterValue' });
  return sendQueryError(reply, known.status, known.code, message);
}
