import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ProviderRuntime } from '../runtime.ts';
import { endWithFault, installErrorHandler, isObject, type ProviderPluginOptions, retryAfterSeconds } from './shared.ts';

/** Google's error statuses by HTTP status (google.rpc.Code mapping) and FCM's errorCode. */
const GOOGLE_ERRORS: Record<number, { status: string; errorCode: string }> = {
  400: { status: 'INVALID_ARGUMENT', errorCode: 'INVALID_ARGUMENT' },
  401: { status: 'UNAUTHENTICATED', errorCode: 'THIRD_PARTY_AUTH_ERROR' },
  403: { status: 'PERMISSION_DENIED', errorCode: 'SENDER_ID_MISMATCH' },
  404: { status: 'NOT_FOUND', errorCode: 'UNREGISTERED' },
  413: { status: 'INVALID_ARGUMENT', errorCode: 'INVALID_ARGUMENT' },
  429: { status: 'RESOURCE_EXHAUSTED', errorCode: 'QUOTA_EXCEEDED' },
  500: { status: 'INTERNAL', errorCode: 'INTERNAL' },
  503: { status: 'UNAVAILABLE', errorCode: 'UNAVAILABLE' },
};

/** The Google error envelope with FcmError details; 503 carries Retry-After as FCM does. */
export function renderFcmError(reply: FastifyReply, status: number, message: string): FastifyReply {
  const known = GOOGLE_ERRORS[status] ?? (status >= 500 ? GOOGLE_ERRORS[500] : GOOGLE_ERRORS[400]);
  if (status === 503) reply.header('retry-after', '10');
  return reply.code(status).send({
    error: {
      code: status,
      message,
      status: known?.status,
      details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: known?.errorCode }],
    },
  });
}

interface FcmMessage {
  token: string;
  notification?: { title?: string; body?: string };
  data?: Record<string, string>;
}

function parseMessage(body: unknown): FcmMessage | string {
  if (!isObject(body) || !isObject(body.message)) return 'message is required';
  const { token, notification, data } = body.message;
  if (typeof token !== 'string' || token === '') return 'message.token is required';
  if (notification !== undefined && !isObject(notification)) return 'message.notification must be an object';
  if (data !== undefined) {
    if (!isObject(data)) return 'message.data must be a map of strings';
    for (const value of Object.values(data)) if (typeof value !== 'string') return 'message.data values must be strings';
  }
  return body.message as unknown as FcmMessage;
}

/** The content identity of a push: notification and data, without the client key. */
function contentOf(message: FcmMessage): string {
  if (message.data === undefined) return `${message.notification?.title ?? ''}\u0001${message.notification?.body ?? ''}\u0001{}`;
  const { client_key: _ignored, ...data } = message.data;
  return `${message.notification?.title ?? ''}\u0001${message.notification?.body ?? ''}\u0001${JSON.stringify(data)}`;
}

/** One `messages:send`: quota first (FCM counts 4xx), then validation, faults, dedupe, ledger. */
async function send(runtime: ProviderRuntime, projectId: string, body: unknown, request: FastifyRequest, reply: FastifyReply) {
  // FCM's quota counts every request it answers except the 429s themselves, so the limit comes first.
  const admission = runtime.admit(1);
  if (!admission.admitted) {
    runtime.log({ status: 429, units: 1, outcome: 'over-limit', recipient: null, id: null });
    reply.header('retry-after', retryAfterSeconds(admission.retryAfterMs));
    return renderFcmError(reply, 429, 'Quota exceeded for quota metric "Send requests" of service fcm.googleapis.com.');
  }
  const message = parseMessage(body);
  if (typeof message === 'string') {
    runtime.log({ status: 400, units: 1, outcome: 'bad-request', recipient: null, id: null });
    return renderFcmError(reply, 400, message);
  }
  const config = runtime.config;
  if (config.kind === 'fcm' && config.projectId !== null && config.projectId !== projectId) {
    runtime.log({ status: 403, units: 1, outcome: 'bad-request', recipient: message.token, id: null });
    return renderFcmError(reply, 403, 'SenderId mismatch');
  }
  const hit = runtime.faults.empty ? null : runtime.faults.match(runtime.elapsed(), [message.token]);
  if (hit && (await endWithFault(hit, request, reply, runtime, renderFcmError, [message.token]))) return reply;
  const clientKey = message.data?.client_key ?? null;
  const content = contentOf(message);
  const original = runtime.acceptedBefore(clientKey);
  const id = original ?? runtime.newId();
  // FCM sends no reports, so an "unreported" fault means accepted but never delivered.
  runtime.record(message.token, content, clientKey, id, original === undefined && hit === null);
  runtime.log({ status: 200, units: 1, outcome: original ? 'deduplicated' : 'accepted', recipient: message.token, id });
  await runtime.wait(admission.queueMs);
  return reply.send({ name: `projects/${projectId}/messages/${id}` });
}

/** FCM HTTP v1 `messages:send` (wire contract, "FCM HTTP v1"). */
export async function fcmPlugin(app: FastifyInstance, { runtime }: ProviderPluginOptions): Promise<void> {
  installErrorHandler(app, runtime, renderFcmError);
  // `::` is fastify's escape for a literal colon in a path.
  app.post<{ Params: { projectId: string } }>('/v1/projects/:projectId/messages::send', async (request, reply) => {
    if (!/^Bearer \S+/.test(request.headers.authorization ?? '')) {
      runtime.log({ status: 401, units: 0, outcome: 'unauthenticated', recipient: null, id: null });
      return renderFcmError(reply, 401, 'Request is missing required authentication credential.');
    }
    return send(runtime, request.params.projectId, request.body, request, reply);
  });
}
