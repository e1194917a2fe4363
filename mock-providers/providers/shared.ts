import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FaultHit } from '../faults.ts';
import type { ProviderRuntime } from '../runtime.ts';

/** What every provider plugin is registered with. */
export interface ProviderPluginOptions {
  runtime: ProviderRuntime;
}

/** Renders the provider's own error body for an HTTP status. */
export type RenderError = (reply: FastifyReply, status: number, message: string) => FastifyReply;

/**
 * Answers errors fastify raises before the handler (malformed JSON, a body over the limit,
 * a wrong content type) in the provider's own 4xx shape, and logs them. Nothing is counted
 * as admitted or delivered.
 */
export function installErrorHandler(app: FastifyInstance, runtime: ProviderRuntime, render: RenderError): void {
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const client = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500;
    const status = client ? (error.statusCode as number) : 500;
    runtime.log({ status, units: 0, outcome: client ? 'bad-request' : 'error', recipient: null, id: null });
    return render(reply, status, client ? error.message : 'internal error');
  });
}

/**
 * Acts on a fault that ends the request: a status answered in the provider's shape, a
 * connection reset, or a hang (never answered; the socket closes when the client gives up
 * or the server closes). Returns false for `unreported`, which the plugin handles itself.
 */
export async function endWithFault(
  hit: FaultHit,
  request: FastifyRequest,
  reply: FastifyReply,
  runtime: ProviderRuntime,
  render: RenderError,
  recipients: readonly string[],
): Promise<boolean> {
  if (hit.action === 'unreported') return false;
  const status = hit.action === 'status' ? hit.status : 0;
  runtime.log({ status, units: recipients.length, outcome: `fault:${hit.action}`, recipient: recipients[0] ?? null, id: null });
  if (hit.action === 'reset') {
    reply.hijack();
    request.raw.socket.destroy();
    return true;
  }
  if (hit.action === 'hang') {
    reply.hijack();
    return true;
  }
  await runtime.wait();
  render(reply, hit.status, 'injected fault');
  return true;
}

/** Whole seconds for a Retry-After header (at least 1: a 0 would invite an immediate retry storm). */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

/** True for a plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when an `unreported` fault covers this recipient (all of them when the rule has no pattern). */
export function unreported(hit: FaultHit | null, recipient: string): boolean {
  return hit !== null && (hit.recipients === null || hit.recipients.has(recipient));
}
