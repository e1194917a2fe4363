import { request } from 'undici';
import { SCENARIO_DEFAULTS } from '../config/index.ts';
import type { CampaignStats, Clock } from '../core/index.ts';
import { createRng } from '../core/index.ts';
import type { LedgerEntry, LedgerSource } from './ledger.ts';
import { createRequestFactory, type TemplateSpec } from './templates.ts';

/** A campaign as the runner needs it (resolved from the scenario). */
export interface CampaignSpec {
  name: string;
  channel: string;
  provider: string;
  recipients: number;
  /** Recipient ids: `{n}` is 0..recipients-1 (`{n:8}` zero-padded), the reference dispatcher's generator syntax; `{seq}` is 1-based. */
  pattern: string;
  template: string;
  params: Readonly<Record<string, unknown>>;
  deadline?: number;
  /** The request that starts it; the reference dispatcher's `POST /v1/campaigns` when absent. */
  start?: TemplateSpec;
  /** Ledger polling interval, ms. */
  poll: number;
  /** The dispatcher's API token, `{{token}}` in the start request. */
  token?: string;
}

/** Options for {@link runCampaign}. */
export interface CampaignOptions {
  origin: string;
  ledger: LedgerSource;
  clock: Clock;
  /** How long to track a campaign without a deadline, ms. */
  trackFor: number;
  timeout: number;
  signal?: AbortSignal;
  /** Recipients per ledger lookup request. */
  lookupBatch?: number;
  onProgress?: (p: { name: string; accepted: number; delivered: number; backlog: number }) => void;
}

/** The campaign's stats plus why it could not start, if it could not. */
export type CampaignOutcome = CampaignStats & { startError: string | null };

/** A tracked campaign with a deadline stops this much later, so a late drain is measured rather than called lost. */
export const DEADLINE_GRACE = 1.25;

/**
 * The recipient ids a campaign asked for, exactly as the reference dispatcher's generator makes
 * them (`dispatcher/ingest/sources.ts`): `{n}` the 0-based index, `{n:W}` zero-padded to W digits;
 * `{seq}` (1-based) for teams' own APIs.
 */
export function expandRecipients(pattern: string, count: number): string[] {
  const parts = pattern.split(/(\{n(?::\d+)?\}|\{seq\})/);
  return Array.from({ length: count }, (_, i) => {
    let to = '';
    for (const part of parts) {
      if (part === '{n}') to += i;
      else if (part === '{seq}') to += i + 1;
      else if (part.startsWith('{n:')) to += String(i).padStart(Number(part.slice(3, -1)), '0');
      else to += part;
    }
    return to;
  });
}

/** The reference dispatcher's campaign API (`POST /v1/campaigns` with a recipient generator). */
export function defaultStartRequest(): TemplateSpec {
  return SCENARIO_DEFAULTS.campaignStart as TemplateSpec;
}

/**
 * Starts a campaign, then follows every recipient it asked for in the provider's ledger until
 * all accepted recipients were delivered, the deadline (plus {@link DEADLINE_GRACE}) passed, or
 * the run was aborted. The runner knows the exact recipient set (from the pattern), so it needs
 * nothing from the dispatcher but the start request: delivered = recipients with at least one
 * delivery, duplicated = recipients with more than one, lost = accepted - delivered. The
 * completion times come from each recipient's first delivery, so they are exact, not rounded to
 * the polling interval; curve and backlog are sampled at each poll. Times are ms after the
 * start request.
 */
export async function runCampaign(spec: CampaignSpec, options: CampaignOptions): Promise<CampaignOutcome> {
  const { clock, ledger } = options;
  const recipients = expandRecipients(spec.pattern, spec.recipients);
  const t0 = clock.now();
  const { accepted, error } = await startCampaign(spec, options);
  const firstAt = new Map<string, number>();
  const curve: [number, number][] = [];
  const backlog: [number, number][] = [];
  const window = spec.deadline !== undefined ? spec.deadline * DEADLINE_GRACE : options.trackFor;
  let pending = recipients;
  let lookupError: string | null = null;
  while (accepted > 0 && !options.signal?.aborted) {
    try {
      const found = await lookupAll(ledger, pending, options.lookupBatch);
      const now = clock.now();
      for (const e of found) if (e.delivered > 0 && !firstAt.has(e.recipient)) firstAt.set(e.recipient, e.firstDeliveredAt ?? now);
      pending = pending.filter((r) => !firstAt.has(r));
    } catch (e) {
      lookupError = (e as Error).message;
    }
    const t = clock.now() - t0;
    curve.push([t, firstAt.size]);
    backlog.push([t, Math.max(0, accepted - firstAt.size)]);
    options.onProgress?.({ name: spec.name, accepted, delivered: firstAt.size, backlog: Math.max(0, accepted - firstAt.size) });
    if (firstAt.size >= accepted || t >= window) break;
    await clock.sleep(Math.min(spec.poll, Math.max(0, window - t)), options.signal).catch(() => undefined);
  }
  // One full pass at the end: duplicates can arrive after a recipient's first delivery.
  const all = accepted > 0 ? await lookupAll(ledger, recipients, options.lookupBatch).catch(() => [] as LedgerEntry[]) : [];
  let delivered = 0;
  let duplicated = 0;
  for (const e of all) {
    if (e.delivered > 0) delivered++;
    if (e.delivered > 1) duplicated++;
    if (e.delivered > 0 && !firstAt.has(e.recipient)) firstAt.set(e.recipient, e.firstDeliveredAt ?? clock.now());
  }
  if (all.length === 0) delivered = firstAt.size;
  const times = [...firstAt.values()].map((at) => Math.max(0, at - t0)).sort((a, b) => a - b);
  const when = (share: number) => {
    const k = Math.ceil(share * accepted);
    return k > 0 && times.length >= k ? (times[k - 1] as number) : null;
  };
  const p100 = when(1);
  return {
    name: spec.name,
    channel: spec.channel,
    provider: spec.provider,
    requested: spec.recipients,
    accepted,
    delivered,
    lost: Math.max(0, accepted - delivered),
    duplicated,
    drainTime: accepted > 0 && delivered >= accepted ? p100 : null,
    deadline: spec.deadline ?? null,
    completion: { p50: when(0.5), p95: when(0.95), p100 },
    curve,
    backlog,
    startError: error ?? lookupError,
  };
}

async function lookupAll(ledger: LedgerSource, recipients: readonly string[], batch = 5000): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for (let i = 0; i < recipients.length; i += batch) out.push(...(await ledger.lookup(recipients.slice(i, i + batch))));
  return out;
}

/** Sends the start request; accepted = the response's `accepted` number, else all on a 2xx. */
async function startCampaign(spec: CampaignSpec, options: CampaignOptions): Promise<{ accepted: number; error: string | null }> {
  const template = spec.start ?? defaultStartRequest();
  const factory = createRequestFactory([template], {
    rng: createRng(spec.name),
    clock: options.clock,
    vars: {
      channel: spec.channel,
      provider: spec.provider,
      template: spec.template,
      params: spec.params,
      count: spec.recipients,
      pattern: spec.pattern,
      name: spec.name,
      token: spec.token ?? '',
    },
  });
  const req = factory.next();
  try {
    const res = await request(`${options.origin}${req.path}`, {
      method: req.method as 'POST',
      headers: req.headers,
      body: req.body,
      headersTimeout: options.timeout,
      bodyTimeout: options.timeout,
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) return { accepted: 0, error: `${req.method} ${req.path} answered ${res.statusCode}: ${text.slice(0, 200)}` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const reported = (parsed as { accepted?: unknown } | undefined)?.accepted;
    return { accepted: typeof reported === 'number' ? Math.min(reported, spec.recipients) : spec.recipients, error: null };
  } catch (e) {
    return { accepted: 0, error: `${req.method} ${req.path} failed: ${(e as Error).message}` };
  }
}
