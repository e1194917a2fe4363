import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { zodIssues } from '../../src/core/index.ts';
import { IngestError } from '../ingest/sources.ts';
import { API_ERRORS, type ApiErrorCode } from './error-catalog.ts';

/** An API error answered as `{ error, message, issues? }` with its code's status ({@link API_ERRORS}). */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly error: ApiErrorCode,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.status = API_ERRORS[error].status;
  }
}

/** Turns a zod failure into a 400 that names each field. */
export function fromZod(error: z.ZodError, what: string): ApiError {
  const issues = zodIssues(error.issues).map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
  const first = issues[0];
  return new ApiError('invalid_request', `${what}: ${first ? `${first.path}: ${first.message}` : 'invalid'}`, issues);
}

/** Parses with zod, throwing {@link ApiError}. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZod(result.error, what);
  return result.data;
}

/**
 * The one error handler: every failure is `{ error, message }` with a 4xx for bad input, and
 * fastify's own (bad JSON, body too large, unsupported media type) keep their status.
 */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof ApiError) {
    return reply.code(error.status).send({ error: error.error, message: error.message, ...(error.issues ? { issues: error.issues } : {}) });
  }
  if (error instanceof IngestError)
    return reply.code(error.status).send({ error: 'invalid_recipients' satisfies ApiErrorCode, message: error.message });
  const code = (error as FastifyError).code;
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const type = request.headers['content-type'] ?? '(none)';
    const message = `content-type "${type}" is not accepted (use application/json, application/x-ndjson or text/csv)`;
    return send(reply, 'unsupported_media_type', message);
  }
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return send(reply, 'body_too_large', `${error.message}: stream long recipient lists as NDJSON or CSV`);
  }
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    return reply.code(status).send({ error: 'bad_request' satisfies ApiErrorCode, message: error.message });
  }
  request.log.error(error);
  return send(reply, 'internal', 'internal error');
}

function send(reply: FastifyReply, code: ApiErrorCode, message: string) {
  return reply.code(API_ERRORS[code].status).send({ error: code, message });
}
