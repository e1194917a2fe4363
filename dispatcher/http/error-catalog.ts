/**
 * Every `error` code the dispatcher's API answers with, its HTTP status and what it means: the API's
 * contract for clients (dispatcher/README.md lists them). {@link ApiError} takes only these codes,
 * and `test/core/error-catalog.test.ts` checks that each is answered somewhere, so the list stays
 * true.
 */
export const API_ERRORS = {
  invalid_request: { status: 400, description: 'a field of the request is missing or invalid (`issues` names each)' },
  invalid_recipients: { status: 400, description: 'a recipient list or upload line is invalid (the message names the line)' },
  unknown_channel: { status: 400, description: 'the campaign names a channel no registered provider kind serves' },
  provider_required: { status: 400, description: 'the channel has no provider account, or several and the request names none' },
  unknown_provider: { status: 400, description: 'the request names a provider account that is not configured' },
  unauthorized: { status: 401, description: 'no bearer token, or the wrong one' },
  not_found: { status: 404, description: 'no such campaign' },
  unknown_report_provider: { status: 404, description: 'a delivery report for a provider account that is not configured' },
  unknown_message: { status: 404, description: 'a delivery report whose client key this dispatcher never issued (not stored)' },
  idempotency_conflict: { status: 409, description: 'an Idempotency-Key reused with a different body' },
  body_too_large: { status: 413, description: 'a JSON body over the limit: stream long lists as NDJSON or CSV' },
  unsupported_media_type: { status: 415, description: 'a content type other than JSON, NDJSON or CSV' },
  bad_request: { status: 400, description: 'a request the HTTP layer refused (malformed JSON, an empty body, ...)' },
  internal: { status: 500, description: 'a defect in the dispatcher (logged)' },
} as const satisfies Record<string, { status: number; description: string }>;

/** A code from {@link API_ERRORS}. */
export type ApiErrorCode = keyof typeof API_ERRORS;
