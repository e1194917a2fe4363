import {
  type CampaignStep,
  type Frozen,
  type PhasesStep,
  rateValue,
  SCENARIO_DEFAULTS,
  type Scenario,
  type SearchStep,
  type SweepStep,
} from '../config/index.ts';
import { type Clock, createRng, type IsolationStats, type SearchStats, type SweepStats } from '../core/index.ts';
import { runCampaign, type TrackedCampaign } from './campaign.ts';
import type { ProviderTracker } from './delivery-tracker.ts';
import { lastDueOffset } from './due.ts';
import { createIsolationRecorder } from './isolation.ts';
import { runPacer } from './pacer.ts';
import { followPhase, PhaseTrack } from './phase-track.ts';
import type { Recorder } from './recorder.ts';
import { buildSchedule } from './schedule.ts';
import { runSearchStep as runSearch } from './search-step.ts';
import { runSweep, type UslFitter } from './sweep.ts';
import type { SystemUnderTest } from './system.ts';
import { createRequestFactory } from './templates.ts';

/** What every load step shares within one run. */
export interface StepContext {
  scenario: Frozen<Scenario>;
  system: SystemUnderTest;
  clock: Clock;
  /** The run's start (epoch ms); steps are offset from it. */
  runStart: number;
  recorder: Recorder;
  signal: AbortSignal;
  abortDrain: number;
  fit?: UslFitter;
  /** Each provider's delivery-feed reader (run-scoped), shared by the campaigns on it. */
  trackers: ReadonlyMap<string, ProviderTracker>;
  onCampaignProgress?: (p: { name: string; accepted: number; delivered: number; backlog: number }) => void;
  /** Is any campaign running (started, not yet tracked to its end)? For transactional phases. */
  campaignsActive?: () => boolean;
  /** Receives a transactional phase's latency alone and during campaigns. */
  onIsolation?: (stats: IsolationStats) => void;
  /** Receives a phase's tracked messages (`track:`) before it starts; their figures are read at the run's end. */
  onPhaseTrack?: (track: PhaseTrack) => void;
  /** `--fail-fast`: a campaign stops tracking at its first duplicate delivery. */
  failFast?: boolean;
}

/** Drives an arrival-rate phase through the open-model pacer, recording into the shared recorder. */
export async function runPhasesStep(p: Frozen<PhasesStep>, ctx: StepContext): Promise<void> {
  const { scenario, clock } = ctx;
  const stages = p.stages.map((s) => ({
    duration: s.duration,
    rate: rateValue(s.rate),
    ...(s.rampTo !== undefined ? { rampTo: rateValue(s.rampTo) } : {}),
  }));
  // One RNG per phase, seeded by scenario and phase: Poisson times and recipients repeat run to run.
  const rng = createRng(`${scenario.seed ?? scenario.name}:${p.name}`);
  const templates = p.templates ?? [
    { method: p.target?.method ?? 'GET', path: p.target?.path ?? '/', headers: p.headers ?? {}, body: p.body },
  ];
  // A transactional phase also keeps its latency apart: alone, and while a campaign drains.
  const isolation = p.transactional ? createIsolationRecorder(ctx.recorder, ctx.campaignsActive ?? (() => false)) : undefined;
  const schedule = buildSchedule(stages, { arrival: p.arrival, rng });
  const track = p.track ? startPhaseTrack(p, schedule.times.length, ctx) : undefined;
  await runPacer({
    origin: ctx.system.targetUrl,
    schedule,
    requests: createRequestFactory(templates, {
      rng,
      clock,
      recipients: p.recipients ?? SCENARIO_DEFAULTS.recipientPool,
      vars: { token: scenario.system.token },
      ...(track ? { tracked: track } : {}),
    }),
    ...(track ? { tracked: track.hooks } : {}),
    recorder: isolation?.recorder ?? ctx.recorder,
    clock,
    runStart: ctx.runStart,
    phaseOffset: p.delay,
    timeout: p.timeout ?? scenario.timeouts.request,
    maxInFlight: scenario.maxInFlight,
    connections: Math.min(scenario.maxInFlight, SCENARIO_DEFAULTS.maxConnections),
    lateLimit: scenario.tolerances.lateLimit,
    drain: scenario.timeouts.drain,
    abortDrain: ctx.abortDrain,
    signal: ctx.signal,
  });
  if (isolation && p.transactional) ctx.onIsolation?.(isolation.finish(p.name ?? 'phases', p.transactional));
  if (track) await followPhase(track, ctx.trackers.get(track.provider) as ProviderTracker, clock, TRACK_POLL_MS, ctx.signal);
}

/** How often a tracked phase's provider feed is read after its last request, ms. */
const TRACK_POLL_MS = 250;

/** Registers a phase's tracked messages on its provider's feed (checked to exist before the run), before any is sent. */
function startPhaseTrack(p: Frozen<PhasesStep>, planned: number, ctx: StepContext): PhaseTrack {
  const spec = p.track as NonNullable<Frozen<PhasesStep>['track']>;
  const name = p.name ?? 'phases';
  const tracker = ctx.trackers.get(spec.provider) as ProviderTracker;
  const track = new PhaseTrack(name, spec.provider, spec.pattern ?? `${name}-{n}@tracked.test`, planned, spec.within, tracker);
  ctx.onPhaseTrack?.(track);
  return track;
}

/** Runs a closed-loop sweep with autocannon and the injected USL fit. */
export function runSweepStep(s: Frozen<SweepStep>, ctx: StepContext): Promise<SweepStats> {
  return runSweep(
    {
      name: s.name ?? 'sweep',
      method: s.target.method,
      path: s.target.path,
      headers: s.headers,
      body: s.body,
      concurrency: s.concurrency,
      duration: s.duration,
      ...(s.targetTps !== undefined ? { targetTps: rateValue(s.targetTps) } : {}),
    },
    { origin: ctx.system.targetUrl, timeout: ctx.scenario.timeouts.request, signal: ctx.signal, ...(ctx.fit ? { fit: ctx.fit } : {}) },
  );
}

/** Runs a capacity search step against the target (its probes keep their own figures, not the run's http ones). */
export function runSearchStep(s: Frozen<SearchStep>, ctx: StepContext): Promise<SearchStats> {
  const { scenario } = ctx;
  const templates = s.templates ?? [
    { method: s.target?.method ?? 'GET', path: s.target?.path ?? '/', headers: s.headers ?? {}, body: s.body },
  ];
  const { p50, p95, p99, avg, errors } = s.budget;
  return runSearch(
    {
      name: s.name ?? 'search',
      templates,
      recipients: s.recipients ?? SCENARIO_DEFAULTS.recipientPool,
      arrival: s.arrival,
      stepDuration: s.stepDuration,
      cooldown: s.cooldown,
      budget: {
        errors,
        ...(p50 !== undefined ? { p50 } : {}),
        ...(p95 !== undefined ? { p95 } : {}),
        ...(p99 !== undefined ? { p99 } : {}),
        ...(avg !== undefined ? { avg } : {}),
      },
      target: s.targetTps !== undefined ? rateValue(s.targetTps) : null,
      from: s.from,
      to: s.to,
      growth: s.growth,
      resolution: s.resolution,
      maxProbes: s.maxProbes,
      retryMarginal: true,
    },
    {
      origin: ctx.system.targetUrl,
      clock: ctx.clock,
      seed: String(scenario.seed ?? scenario.name),
      token: scenario.system.token,
      timeout: scenario.timeouts.request,
      maxInFlight: scenario.maxInFlight,
      connections: Math.min(scenario.maxInFlight, SCENARIO_DEFAULTS.maxConnections),
      lateLimit: scenario.tolerances.lateLimit,
      lagInvalid: scenario.tolerances.lagInvalid,
      drain: scenario.timeouts.drain,
      signal: ctx.signal,
    },
  );
}

/** Starts a campaign and tracks it through its provider's delivery feed (checked to exist before the run). */
export function runCampaignStep(c: Frozen<CampaignStep>, ctx: StepContext): Promise<TrackedCampaign> {
  const provider = c.provider ?? c.channel;
  return runCampaign(
    {
      name: c.name ?? 'campaign',
      channel: c.channel,
      provider,
      recipients: c.recipients,
      pattern: c.pattern ?? `${c.name}-{n}`,
      template: c.template,
      params: c.params,
      ...(c.deadline !== undefined ? { deadline: c.deadline } : {}),
      ...(c.due ? { due: c.due } : {}),
      ...(c.start ? { start: c.start } : {}),
      poll: c.poll,
      token: ctx.scenario.system.token,
      ...(c.fallback !== undefined ? { fallback: c.fallback } : {}),
    },
    {
      origin: ctx.system.targetUrl,
      tracker: ctx.trackers.get(provider) as ProviderTracker,
      ...(c.fallback !== undefined ? { fallbackTracker: ctx.trackers.get(c.fallback) as ProviderTracker } : {}),
      clock: ctx.clock,
      trackFor: ctx.scenario.timeouts.campaign,
      timeout: ctx.scenario.timeouts.request,
      signal: ctx.signal,
      ...(ctx.onCampaignProgress ? { onProgress: ctx.onCampaignProgress } : {}),
      ...(ctx.failFast ? { stopOnDuplicate: true } : {}),
      ...restartWindow(ctx.scenario),
    },
  );
}

/** How long a campaign start keeps trying through a planned restart: the longest `down` plus a start-up allowance. */
function restartWindow(scenario: Frozen<Scenario>): { retryStartFor?: number } {
  const downs = scenario.load.flatMap((s) => (s.fault ? [s.fault.down] : []));
  return downs.length > 0 ? { retryStartFor: Math.max(...downs) + 60_000 } : {};
}

/** The run's planned length: the latest end of any step that has one; null if a campaign has no deadline. */
export function plannedLength(scenario: Frozen<Scenario>): number | null {
  let end = 0;
  for (const step of scenario.load) {
    if (step.phases) end = Math.max(end, step.phases.delay + step.phases.stages.reduce((s, st) => s + st.duration, 0));
    else if (step.sweep) end = Math.max(end, step.sweep.delay + step.sweep.concurrency.length * step.sweep.duration);
    // A search's length depends on where it lands: its probe limit bounds it.
    else if (step.search)
      end = Math.max(end, step.search.delay + step.search.maxProbes * (step.search.stepDuration + step.search.cooldown));
    else if (step.campaign) {
      if (step.campaign.deadline === undefined) return null;
      // A scheduled campaign's deadline runs from its last due time.
      const due = step.campaign.due ? lastDueOffset(step.campaign.due, step.campaign.recipients) : 0;
      end = Math.max(end, step.campaign.delay + due + step.campaign.deadline);
    }
  }
  return end;
}
