import type { FastifyReply, FastifyRequest } from 'fastify';
import { AllOfLimiter, RollingQuota } from '../limiters.ts';
import type { ProviderRuntime } from '../runtime.ts';
import { endWithFault, type RenderError, unreported } from './shared.ts';

/** SES caps one message at 50 recipients (To + Cc + Bcc), in v1 and v2 alike. */
export const MAX_RECIPIENTS = 50;

/** One email as both API versions hand it to the shared send path. */
export interface ParsedEmail {
  recipients: string[];
  /** The content identity the duplicate ledger keys on (with the recipient). */
  content: string;
  /** The sender's per-message idempotency key (fg): the tag named `client_key`. */
  clientKey: string | null;
}

/**
 * The one send path of the SES mock, whichever API version (v1 Query, v2 REST-JSON)
 * carried the email: dedupe by client key, admit by recipients against the shared limiter,
 * faults, then record every recipient in the ledger. Errors are answered with `render`
 * (each version has its own error shape) and yield null; success yields the MessageId,
 * which the caller answers in its own shape.
 */
export async function deliverEmail(
  runtime: ProviderRuntime,
  email: ParsedEmail,
  request: FastifyRequest,
  reply: FastifyReply,
  render: RenderError,
): Promise<string | null> {
  const { recipients } = email;
  const first = recipients[0] ?? null;
  const original = runtime.acceptedBefore(email.clientKey);
  if (original !== undefined) {
    // Deduplicated: answered as before, not sent again, not counted against the rate.
    for (const r of recipients) runtime.record(r, email.content, email.clientKey, original, false);
    runtime.log({ status: 200, units: recipients.length, outcome: 'deduplicated', recipient: first, id: original });
    await runtime.wait();
    return original;
  }
  const admission = runtime.admit(recipients.length);
  if (!admission.admitted) {
    // Logged as 429 whatever the wire status (v1 answers throttling with HTTP 400).
    runtime.log({ status: 429, units: recipients.length, outcome: 'over-limit', recipient: first, id: null });
    render(reply, 429, admission.reason === 'quota' ? 'Daily message quota exceeded.' : 'Maximum sending rate exceeded.');
    return null;
  }
  const hit = runtime.faults.empty ? null : runtime.faults.match(runtime.elapsed(), recipients);
  if (hit && (await endWithFault(hit, request, reply, runtime, render, recipients))) return null;
  const id = runtime.newId();
  for (const r of recipients) runtime.record(r, email.content, email.clientKey, id, !unreported(hit, r));
  runtime.log({ status: 200, units: recipients.length, outcome: 'accepted', recipient: first, id });
  await runtime.wait(admission.queueMs);
  return id;
}

/** SES's send quota as both APIs report it (`GetSendQuota`, v2 `GetAccount.SendQuota`). */
export interface SendQuota {
  /** The quota per `quotaWindow` (24 h by default); -1 when unlimited, as SES documents. */
  Max24HourSend: number;
  /** Recipients per second; -1 when unlimited. */
  MaxSendRate: number;
  /** Recipients admitted within the quota window, from the limiter that enforces it. */
  SentLast24Hours: number;
}

/** Reads the send quota from the runtime's own limiter, so it agrees with what is enforced. */
export function sendQuota(runtime: ProviderRuntime): SendQuota {
  const config = runtime.config;
  const quota = config.kind === 'ses' ? config.quota : null;
  const counter = quotaCounter(runtime.limiter);
  return {
    Max24HourSend: quota ?? -1,
    MaxSendRate: config.tps ?? -1,
    SentLast24Hours: counter ? counter.used(runtime.clock.now()) : 0,
  };
}

function quotaCounter(limiter: unknown): RollingQuota | null {
  if (limiter instanceof RollingQuota) return limiter;
  if (limiter instanceof AllOfLimiter) return (limiter.parts.find((p) => p instanceof RollingQuota) as RollingQuota | undefined) ?? null;
  return null;
}
