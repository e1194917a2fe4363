import {
  type CampaignStep,
  type Frozen,
  type PhasesStep,
  rateValue,
  SCENARIO_DEFAULTS,
  type Scenario,
  type SweepStep,
} from '../config/index.ts';
import { type Clock, createRng, type SweepStats } from '../core/index.ts';
import { runCampaign, type TrackedCampaign } from './campaign.ts';
import type { ProviderTracker } from './delivery-tracker.ts';
import { runPacer } from './pacer.ts';
import type { Recorder } from './recorder.ts';
import { buildSchedule } from './schedule.ts';
import { runSweep, type UslFit } from './sweep.ts';
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
  fit?: UslFit;
  /** Each provider's delivery-feed reader (run-scoped), shared by the campaigns on it. */
  trackers: ReadonlyMap<string, ProviderTracker>;
  onCampaignProgress?: (p: { name: string; accepted: number; delivered: number; backlog: number }) => void;
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
  await runPacer({
    origin: ctx.system.targetUrl,
    schedule: buildSchedule(stages, { arrival: p.arrival, rng }),
    requests: createRequestFactory(templates, {
      rng,
      clock,
      recipients: p.recipients ?? SCENARIO_DEFAULTS.recipientPool,
      vars: { token: scenario.system.token },
    }),
    recorder: ctx.recorder,
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
    },
  );
}

/** The run's planned length: the latest end of any step that has one; null if a campaign has no deadline. */
export function plannedLength(scenario: Frozen<Scenario>): number | null {
  let end = 0;
  for (const step of scenario.load) {
    if (step.phases) end = Math.max(end, step.phases.delay + step.phases.stages.reduce((s, st) => s + st.duration, 0));
    else if (step.sweep) end = Math.max(end, step.sweep.delay + step.sweep.concurrency.length * step.sweep.duration);
    else if (step.campaign) {
      if (step.campaign.deadline === undefined) return null;
      end = Math.max(end, step.campaign.delay + step.campaign.deadline);
    }
  }
  return end;
}
