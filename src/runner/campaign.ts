import { request } from 'undici';
import { SCENARIO_DEFAULTS } from '../config/index.ts';
import type { CampaignStats, Clock } from '../core/index.ts';
import { createRng } from '../core/index.ts';
import type { CampaignTrack, ProviderTracker } from './delivery-tracker.ts';
import { type DueSchedule, type DueSpec, dueAt, dueSchedule, dueVars, scheduleBody } from './due.ts';
import { computeLateness } from './lateness.ts';
import { recipientAt } from './recipient-pattern.ts';
import { createRequestFactory, type TemplateSpec } from './templates.ts';

export { expandRecipients, recipientAt } from './recipient-pattern.ts';

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
  /** With `due`, measured from the last recipient's due time. */
  deadline?: number;
  /** When its recipients are due, relative to the start request (scheduled sends). */
  due?: DueSpec;
  /** The request that starts it; the reference dispatcher's `POST /v1/campaigns` when absent. */
  start?: TemplateSpec;
  /** Ledger polling interval, ms. */
  poll: number;
  /** The dispatcher's API token, `{{token}}` in the start request. */
  token?: string;
  /** The provider the dispatcher falls back to for recipients the first cannot reach (e.g. SMS for non-KakaoTalk users). */
  fallback?: string;
}

/** Options for {@link runCampaign}. */
export interface CampaignOptions {
  origin: string;
  /** The campaign provider's delivery feed, shared with other campaigns on that provider. */
  tracker: ProviderTracker;
  /** The fallback provider's feed, when the campaign has one. */
  fallbackTracker?: ProviderTracker;
  clock: Clock;
  /** How long to track a campaign without a deadline, ms. */
  trackFor: number;
  timeout: number;
  signal?: AbortSignal;
  /**
   * A planned dispatcher restart may be under way: for this long (ms), a start request that found no
   * dispatcher (connection refused or reset, 502, 503) is sent again instead of failing the campaign.
   */
  retryStartFor?: number;
  /**
   * `--fail-fast`: stop tracking at the first duplicate delivery, a failure no later delivery can
   * undo (the campaign then says why in `stoppedEarly`, and its undelivered are not judged lost).
   */
  stopOnDuplicate?: boolean;
  onProgress?: (p: { name: string; accepted: number; delivered: number; backlog: number }) => void;
}

/** The campaign's stats (`startError` says why it was not accepted, if it was not). */
export type CampaignOutcome = CampaignStats & { startError: string | null };

/** A campaign whose tracking has stopped; its figures are final once the feed was read to the run's end. */
export interface TrackedCampaign {
  spec: CampaignSpec;
  accepted: number;
  startError: string | null;
  /** Epoch ms of the start request. */
  t0: number;
  /** The absolute due times, for a campaign with `due`. */
  schedule?: DueSchedule;
  track: CampaignTrack;
  curve: [number, number][];
  backlog: [number, number][];
  /** Why tracking stopped before the campaign could drain or its window end (`--fail-fast`). */
  stoppedEarly?: string;
}

/** A tracked campaign with a deadline stops this much later, so a late drain is measured rather than called lost. */
export const DEADLINE_GRACE = 1.25;

/** How many lost recipients a campaign's result names. */
const LOST_SAMPLE = 10;

/**
 * The reference dispatcher's campaign API (`POST /v1/campaigns` with a recipient generator), with
 * the `schedule` object (`{{schedule}}`) for a campaign with due times.
 */
export function defaultStartRequest(scheduled = false): TemplateSpec {
  const start = SCENARIO_DEFAULTS.campaignStart as TemplateSpec;
  if (!scheduled) return start;
  return { ...start, body: { ...(start.body as Record<string, unknown>), schedule: '{{schedule}}' } };
}

/**
 * How long after its start request a campaign is tracked: its deadline (x {@link DEADLINE_GRACE})
 * or `trackFor` without one; for a scheduled campaign both run from its last due time, so recipients
 * that are not due yet are never called lost.
 */
export function trackingWindow(spec: Pick<CampaignSpec, 'deadline'>, trackFor: number, lastDue = 0): number {
  return lastDue + (spec.deadline !== undefined ? spec.deadline * DEADLINE_GRACE : trackFor);
}

/**
 * Starts a campaign, then follows its provider's delivery feed until every accepted recipient has
 * a first delivery, its {@link trackingWindow} passed (from the last due time when it has `due`), the feed failed, or the run
 * was aborted. The runner knows the exact recipient set (from the pattern) and needs nothing from
 * the dispatcher but the start request. The figures are final only after the run has read the feed
 * to its end ({@link campaignStats}), so a duplicate that arrives after the last first delivery
 * still counts, and the campaign and provider figures agree. Times are ms after the start request.
 */
export async function runCampaign(spec: CampaignSpec, options: CampaignOptions): Promise<TrackedCampaign> {
  const { clock, tracker } = options;
  // Registered before the start request: a fast dispatcher's first deliveries must not be missed.
  const track = tracker.track(spec.name, spec.pattern, spec.recipients);
  options.fallbackTracker?.adoptAsFallback(track);
  const t0 = clock.now();
  const schedule = spec.due ? dueSchedule(spec.due, t0, spec.recipients) : undefined;
  const { accepted, error } = await startCampaign(spec, options, schedule);
  const curve: [number, number][] = [];
  const backlog: [number, number][] = [];
  const lastDue = schedule && spec.recipients > 0 ? Math.max(0, dueAt(schedule, spec.recipients - 1) - t0) : 0;
  const window = trackingWindow(spec, options.trackFor, lastDue);
  let stoppedEarly: string | undefined;
  while (accepted > 0 && !options.signal?.aborted) {
    await Promise.all([tracker.poll(), options.fallbackTracker?.poll()]);
    const t = clock.now() - t0;
    const delivered = Math.min(track.reached, accepted);
    curve.push([t, track.reached]);
    backlog.push([t, accepted - delivered]);
    options.onProgress?.({ name: spec.name, accepted, delivered: track.reached, backlog: accepted - delivered });
    if (tracker.error || options.fallbackTracker?.error || delivered >= accepted || t >= window) break;
    if (options.stopOnDuplicate && track.duplicated() > 0) {
      stoppedEarly = `--fail-fast: stopped at its first duplicate delivery, ${(t / 1000).toFixed(1)} s after the start (${track.reached} of ${accepted} delivered by then)`;
      break;
    }
    await clock.sleep(Math.min(spec.poll, Math.max(0, window - t)), options.signal).catch(() => undefined);
  }
  return {
    spec,
    accepted,
    startError: error,
    t0,
    track,
    curve,
    backlog,
    ...(schedule ? { schedule } : {}),
    ...(stoppedEarly ? { stoppedEarly } : {}),
  };
}

/** A tracked campaign's figures, once its provider's feed was read to the end of the run. */
export function campaignStats(c: TrackedCampaign): CampaignOutcome {
  const { spec, accepted, track, t0 } = c;
  const delivered = track.reached;
  const times = track.firstTimes();
  const when = (share: number) => {
    const k = Math.ceil(share * accepted);
    return k > 0 && times.length >= k ? Math.max(0, (times[k - 1] as number) - t0) : null;
  };
  const p100 = when(1);
  const lostSample =
    delivered < accepted && !c.stoppedEarly ? track.missing(accepted, LOST_SAMPLE).map((i) => recipientAt(spec.pattern, i)) : [];
  return {
    name: spec.name,
    channel: spec.channel,
    provider: spec.provider,
    requested: spec.recipients,
    accepted,
    delivered,
    lost: Math.max(0, accepted - delivered),
    duplicated: track.duplicated(),
    drainTime: accepted > 0 && delivered >= accepted ? p100 : null,
    deadline: spec.deadline ?? null,
    completion: { p50: when(0.5), p95: when(0.95), p100 },
    curve: c.curve,
    backlog: c.backlog,
    ...(lostSample.length > 0 ? { lostSample } : {}),
    startError: c.startError,
    ...(c.stoppedEarly && delivered < accepted ? { stoppedEarly: c.stoppedEarly } : {}),
    ...(spec.fallback !== undefined ? { fallback: { provider: spec.fallback, ...track.fallbackCounts() } } : {}),
    ...(c.schedule && spec.due ? { lateness: computeLateness(track, c.schedule, spec.due.tolerance, t0) } : {}),
  };
}

/** How often a start request is retried while a planned restart may be under way, ms. */
const START_RETRY_MS = 250;
const RESTARTING = /answered 50[23]\b|ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET|other side closed/;

/** Sends the start request, again while {@link CampaignOptions.retryStartFor} lasts if no dispatcher answered it. */
async function startCampaign(
  spec: CampaignSpec,
  options: CampaignOptions,
  schedule?: DueSchedule,
): Promise<{ accepted: number; error: string | null }> {
  const until = options.clock.now() + (options.retryStartFor ?? 0);
  for (;;) {
    const outcome = await startOnce(spec, options, schedule);
    if (!outcome.error || !RESTARTING.test(outcome.error) || options.clock.now() >= until || options.signal?.aborted) return outcome;
    await options.clock.sleep(START_RETRY_MS, options.signal).catch(() => undefined);
  }
}

/** Sends the start request once; accepted = the response's `accepted` number, else all on a 2xx. */
async function startOnce(
  spec: CampaignSpec,
  options: CampaignOptions,
  schedule?: DueSchedule,
): Promise<{ accepted: number; error: string | null }> {
  const template = spec.start ?? defaultStartRequest(schedule !== undefined);
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
      ...(schedule ? { schedule: scheduleBody(schedule), ...dueVars(schedule) } : {}),
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
    const accepted =
      typeof reported === 'number' && Number.isFinite(reported)
        ? Math.max(0, Math.min(Math.floor(reported), spec.recipients))
        : spec.recipients;
    if (accepted === 0)
      return { accepted, error: `${req.method} ${req.path} answered ${res.statusCode} but accepted 0 of ${spec.recipients} recipients` };
    return { accepted, error: null };
  } catch (e) {
    return { accepted: 0, error: `${req.method} ${req.path} failed: ${(e as Error).message}` };
  }
}
