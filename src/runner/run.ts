import type { CampaignStep, FaultStep, Frozen, Scenario } from '../config/index.ts';
import {
  type CampaignStats,
  type Clock,
  type FaultStats,
  InputError,
  type IsolationStats,
  PENDING_VERDICT,
  type ProviderStats,
  type Result,
  type SearchStats,
  type SweepStats,
  type ThresholdOutcome,
} from '../core/index.ts';
import { type CampaignOutcome, campaignStats, type TrackedCampaign } from './campaign.ts';
import { ProviderTracker } from './delivery-tracker.ts';
import { hasRestartFault, restartFaultIssues, runFaultStep } from './fault.ts';
import { beginMockSession, type MockSession } from './mock-session.ts';
import { type Monitors, startMonitors } from './monitors.ts';
import type { PhaseTrack } from './phase-track.ts';
import { createRecorder, type Recorder } from './recorder.ts';
import { assembleResult, describeMachine } from './result.ts';
import { type RunProgress, startProgress } from './run-progress.ts';
import { runCampaignStep, runPhasesStep, runSearchStep, runSweepStep, type StepContext } from './steps.ts';
import type { UslFitter } from './sweep.ts';
import { preflight, type StartEmbeddedSystem, type SystemUnderTest, startSystem } from './system.ts';
import { assessValidity } from './validity.ts';

export type { RunProgress } from './run-progress.ts';
export { plannedLength } from './steps.ts';

/** How far ahead of its first arrival a run is armed, ms. */
export const START_LEAD_MS = 100;

/** Facts about the run the runner cannot know itself. */
export interface RunMeta {
  toolVersion: string;
  gitCommit: string | null;
  scenarioFile: string | null;
  scenarioHash: string;
  scale: number;
}

/** What {@link runScenario} needs besides the scenario. */
export interface RunOptions {
  clock: Clock;
  meta: RunMeta;
  signal?: AbortSignal;
  /** `--target URL`: the user's own dispatcher. */
  target?: string;
  /** `--mocks URL`: a long-lived `floodgate mock` the user's dispatcher sends to. */
  mocks?: string;
  /** The mocks' admin token when the scenario names none (the CLI passes FLOODGATE_MOCK_TOKEN). */
  mocksToken?: string;
  /** WIRING POINT: starts the embedded dispatcher and mocks (see {@link StartEmbeddedSystem}). */
  startEmbedded?: StartEmbeddedSystem;
  /** WIRING POINT: the planner's `fitUsl`; without it sweeps report `usl: null`. */
  fit?: UslFitter;
  /** Evaluates the scenario's thresholds on the result (the CLI passes the gate's evaluator). */
  evaluate?: (result: Result) => ThresholdOutcome[];
  /**
   * Decides the verdict of the finished result: the gate's, injected by the CLI, so `run` and
   * `gate` cannot disagree. The runner only reports validity facts.
   */
  judge: (result: Result) => Result['verdict'];
  cpuUsage?: () => { user: number; system: number };
  onProgress?: (progress: RunProgress) => void;
  /** How long to wait for in-flight requests after Ctrl-C, ms. */
  abortDrain?: number;
  /**
   * `--fail-fast`: end the run at its first definite failure (a campaign's first duplicate
   * delivery). Every step stops; the feeds are still read to their end and the run is judged, so
   * the failure is a FAIL with its figures; campaigns cut short say so (`stoppedEarly`) and their
   * undelivered recipients are not judged lost.
   */
  failFast?: boolean;
}

/**
 * Runs a validated scenario end to end: finds or starts the system, checks the target answers,
 * runs every load step (concurrently, each after its `delay`), tracks campaigns, collects
 * monitors and provider stats, and returns the result (validated against the contract). It
 * never writes files or prints: the CLI does.
 */
export async function runScenario(scenario: Frozen<Scenario>, options: RunOptions): Promise<Result> {
  const faultIssues = restartFaultIssues(scenario, options.target);
  if (faultIssues.length > 0) throw new InputError('FG_CONFIG_INVALID', 'the dispatcher cannot be restarted', { issues: faultIssues });
  const system = await startSystem(scenario.system, {
    ...(hasRestartFault(scenario) ? { restartable: true } : {}),
    ...(options.target ? { target: options.target } : {}),
    ...(options.mocks ? { mocks: options.mocks } : {}),
    ...(options.mocksToken ? { mocksToken: options.mocksToken } : {}),
    ...(options.startEmbedded ? { startEmbedded: options.startEmbedded } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    await preflight(system.targetUrl, scenario.timeouts.preflight);
    checkCampaignProviders(scenario, system);
    const session = await beginMockSession(system.providers, { name: scenario.name, timeout: scenario.timeouts.request });
    let ended = false;
    const end = async () => {
      if (ended) return [];
      ended = true;
      return session.end();
    };
    try {
      return await drive(scenario, system, session, end, options);
    } finally {
      await end();
    }
  } finally {
    await system.close();
  }
}

function checkCampaignProviders(scenario: Frozen<Scenario>, system: SystemUnderTest): void {
  const known = `known: ${Object.keys(system.providers).join(', ') || 'none'}`;
  const issues = scenario.load.flatMap((step, i) => {
    const tracked = step.phases?.track?.provider;
    if (tracked !== undefined && !Object.hasOwn(system.providers, tracked))
      return [
        { path: ['load', i, 'phases', 'track', 'provider'], message: `no mock provider \`${tracked}\` to track this phase in (${known})` },
      ];
    const c = step.campaign;
    if (!c) return [];
    const found: { path: (string | number)[]; message: string }[] = [];
    const name = c.provider ?? c.channel;
    if (name && !Object.hasOwn(system.providers, name))
      found.push({
        path: ['load', i, 'campaign', 'provider'],
        message: `no mock provider \`${name}\` to track this campaign in (${known})`,
      });
    if (c.fallback !== undefined && !Object.hasOwn(system.providers, c.fallback))
      found.push({
        path: ['load', i, 'campaign', 'fallback'],
        message: `no mock provider \`${c.fallback}\` to track the fallback in (${known})`,
      });
    return found;
  });
  if (issues.length > 0) throw new InputError('FG_CONFIG_INVALID', 'campaigns cannot be tracked', { issues });
}

async function drive(
  scenario: Frozen<Scenario>,
  system: SystemUnderTest,
  session: MockSession,
  endSession: () => Promise<string[]>,
  options: RunOptions,
): Promise<Result> {
  const { clock } = options;
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // Load starts a little after setup, so pools, timers and JIT warm-up do not count as schedule lag.
  const runStart = clock.now() + START_LEAD_MS;
  const recorder = createRecorder();
  let restarting = 0;
  const monitors = startMonitors({
    restarting: () => restarting > 0,
    prometheus: scenario.monitors.prometheus,
    origin: system.targetUrl,
    interval: scenario.monitors.interval,
    clock,
    runStart,
    ...(options.cpuUsage ? { cpuUsage: options.cpuUsage } : {}),
  });
  const active = new Set<string>();
  const trackers = new Map(
    Object.keys(system.providers).map((name) => [
      name,
      new ProviderTracker(name, (after, until) => session.deliveries(name, after, until)),
    ]),
  );
  const progress = startProgress({
    scenario,
    session,
    providerNames: Object.keys(system.providers),
    clock,
    runStart,
    recorder,
    active,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const ctx: StepContext = {
    scenario,
    system,
    clock,
    runStart,
    recorder,
    signal: controller.signal,
    abortDrain: options.abortDrain ?? 2000,
    ...(options.fit ? { fit: options.fit } : {}),
    trackers,
    onCampaignProgress: progress.campaign,
    ...(options.failFast ? { failFast: true } : {}),
  };
  const sweeps: SweepStats[] = [];
  const campaigns: TrackedCampaign[] = [];
  const searches: SearchStats[] = [];
  const isolation: IsolationStats[] = [];
  const faults: FaultStats[] = [];
  let stoppedBy: string | undefined;
  const campaignLabels = new Set(scenario.load.flatMap((s) => (s.campaign ? [s.campaign.name ?? 'campaign'] : [])));
  ctx.campaignsActive = () => [...active].some((label) => campaignLabels.has(label));
  ctx.onIsolation = (stats) => isolation.push(stats);
  const phaseTracks: PhaseTrack[] = [];
  ctx.onPhaseTrack = (track) => phaseTracks.push(track);
  // Every step starts at the run's start plus its delay (a phase's delay is its schedule offset).
  const tracked = async (label: string, delay: number, work: () => Promise<void>) => {
    await clock.sleep(Math.max(0, runStart + delay - clock.now()), controller.signal).catch(() => undefined);
    if (controller.signal.aborted) return;
    active.add(label);
    try {
      await work();
    } finally {
      active.delete(label);
    }
  };
  try {
    await Promise.all(
      scenario.load.map((step) => {
        const { phases, sweep, campaign, search, fault } = step;
        if (fault) {
          const f = fault as Frozen<FaultStep>;
          return tracked(f.name ?? 'fault', f.delay, async () => {
            restarting++;
            try {
              faults.push(await runFaultStep(f, system, runStart));
            } finally {
              restarting--;
            }
          });
        }
        if (phases) return tracked(phases.name ?? 'phases', 0, () => runPhasesStep(phases, ctx));
        if (search) return tracked(search.name ?? 'search', search.delay, async () => void searches.push(await runSearchStep(search, ctx)));
        if (sweep) return tracked(sweep.name ?? 'sweep', sweep.delay, async () => void sweeps.push(await runSweepStep(sweep, ctx)));
        const c = campaign as Frozen<CampaignStep>;
        return tracked(c.name ?? 'campaign', c.delay, async () => {
          const outcome = await runCampaignStep(c, ctx);
          campaigns.push(outcome);
          // A definite failure ends every step; the run is still read to its end and judged.
          if (outcome.stoppedEarly) {
            stoppedBy = `campaign ${outcome.spec.name}'s first duplicate delivery`;
            controller.abort();
          }
        });
      }),
    );
  } finally {
    progress.stop();
    options.signal?.removeEventListener('abort', onAbort);
  }
  return finish(scenario, system, options, {
    runStart,
    recorder,
    monitors,
    sweeps,
    searches,
    isolation,
    faults,
    campaigns,
    phaseTracks,
    trackers,
    session,
    endSession,
    ...(stoppedBy ? { stoppedBy } : {}),
  });
}

interface Collected {
  runStart: number;
  recorder: Recorder;
  monitors: Monitors;
  sweeps: SweepStats[];
  searches: SearchStats[];
  isolation: IsolationStats[];
  faults: FaultStats[];
  campaigns: TrackedCampaign[];
  phaseTracks: PhaseTrack[];
  trackers: ReadonlyMap<string, ProviderTracker>;
  session: MockSession;
  endSession: () => Promise<string[]>;
  /** `--fail-fast`: the definite failure that ended the run. */
  stoppedBy?: string;
}

/** How long the delivery feeds must stay quiet after the last step before the run's figures are read, ms. */
export const SETTLE_QUIET_MS = 1000;

/** Stops the monitors, collects provider stats, decides validity and builds the checked result. */
async function finish(scenario: Frozen<Scenario>, system: SystemUnderTest, options: RunOptions, c: Collected): Promise<Result> {
  const { clock } = options;
  const report = await c.monitors.stop();
  const aborted = options.signal?.aborted ?? false;
  if (!aborted) await settle(c.trackers, clock, scenario.timeouts.drain);
  const { providers, unverified } = await collectProviders(system, c.session, c.trackers);
  // Under --fail-fast, a campaign cut short by another's failure says so too.
  const cut = c.stoppedBy ? `--fail-fast: the run stopped at ${c.stoppedBy}` : undefined;
  const campaigns: CampaignOutcome[] = c.campaigns.map((t) => campaignStats(cut && !t.stoppedEarly ? { ...t, stoppedEarly: cut } : t));
  const endWarnings = await c.endSession();
  const end = clock.now();
  const totals = c.recorder.finish(end - c.runStart);
  const warnings = [
    ...report.scrapeErrors,
    ...c.session.warnings,
    ...endWarnings,
    ...campaigns.filter((x) => x.startError).map((x) => `campaign ${x.name}: ${x.startError}`),
    ...c.faults.filter((f) => f.error).map((f) => `fault ${f.name}: ${f.error}`),
    ...(c.stoppedBy ? [`--fail-fast: the run stopped at ${c.stoppedBy}`] : []),
  ];
  const validity = assessValidity(
    {
      intended: totals.requests + totals.dropped,
      dropped: totals.dropped,
      droppedBy: totals.droppedBy,
      maxInFlight: scenario.maxInFlight,
      scheduleLagP99: totals.scheduleLag.p99,
      eventLoopLagP99: report.eventLoopLagP99,
      loopBusyMax: report.loopBusyMax,
      aborted,
      unverified: unverified.map((u) => `${u.subject}: ${u.reason}`),
      warnings,
    },
    scenario.tolerances,
  );
  const draft = assembleResult({
    meta: {
      tool: { name: 'floodgate', version: options.meta.toolVersion },
      gitCommit: options.meta.gitCommit,
      scenario: { name: scenario.name, file: options.meta.scenarioFile, hash: options.meta.scenarioHash },
      scale: options.meta.scale,
      startedAt: new Date(c.runStart).toISOString(),
      endedAt: new Date(end).toISOString(),
      duration: Math.max(0, Math.round(end - c.runStart)),
      aborted,
      machine: describeMachine(),
      target: { kind: system.kind, url: system.targetUrl },
    },
    validity,
    timeline: totals.timeline,
    http: {
      requests: totals.requests,
      completed: totals.completed,
      dropped: totals.dropped,
      droppedBy: totals.droppedBy,
      timeouts: totals.timeouts,
      errors: totals.errors,
      latencyCorrected: totals.latencyCorrected,
      latencyRaw: totals.latencyRaw,
    },
    providers,
    unverified,
    campaigns: campaigns as CampaignStats[],
    ...(c.phaseTracks.length > 0 ? { phases: c.phaseTracks.map((t) => t.stats()) } : {}),
    sweeps: c.sweeps,
    ...(c.searches.length > 0 ? { searches: c.searches } : {}),
    ...(c.isolation.length > 0 ? { isolation: c.isolation } : {}),
    ...(c.faults.length > 0 ? { faults: c.faults } : {}),
    series: report.series,
    generator: { eventLoopLagP99: report.eventLoopLagP99, cpuPercentMax: report.cpuPercentMax, scheduleLagP99: totals.scheduleLag.p99 },
    thresholds: [],
    verdict: PENDING_VERDICT,
  });
  const thresholds = options.evaluate?.(draft) ?? [];
  const judged = { ...draft, thresholds };
  return { ...judged, verdict: options.judge(judged) };
}

/**
 * Waits until every provider's delivery feed has been quiet for {@link SETTLE_QUIET_MS} (at most
 * `limit` ms), so a duplicate sent just after a campaign's last first delivery is still counted.
 */
async function settle(trackers: ReadonlyMap<string, ProviderTracker>, clock: Clock, limit: number): Promise<void> {
  if (trackers.size === 0) return;
  const until = clock.now() + limit;
  let quietSince = clock.now();
  let seen = -1;
  while (clock.now() < until) {
    await Promise.all([...trackers.values()].map((t) => t.poll()));
    const total = [...trackers.values()].reduce((n, t) => n + t.read, 0);
    if (total !== seen) {
      seen = total;
      quietSince = clock.now();
    } else if (clock.now() - quietSince >= SETTLE_QUIET_MS) return;
    await clock.sleep(200);
  }
}

/**
 * Reads each provider's run-scoped stats, then its delivery feed up to exactly the deliveries those
 * stats counted, so campaign and provider figures describe the same instant. Whatever cannot be read
 * is unverified (its checks fail and the run is INVALID), never left out.
 */
async function collectProviders(
  system: SystemUnderTest,
  session: MockSession,
  trackers: ReadonlyMap<string, ProviderTracker>,
): Promise<{ providers: Record<string, ProviderStats>; unverified: { subject: string; reason: string }[] }> {
  const providers: Record<string, ProviderStats> = {};
  const unverified: { subject: string; reason: string }[] = [];
  for (const name of Object.keys(system.providers)) {
    try {
      const stats = await session.stats(name);
      providers[name] = stats;
      const tracker = trackers.get(name);
      if (tracker && stats.delivered !== undefined) await tracker.poll(stats.delivered);
    } catch (error) {
      unverified.push({ subject: `provider.${name}`, reason: `its ledger could not be read (${(error as Error).message})` });
    }
    const feedError = trackers.get(name)?.error;
    if (feedError) unverified.push({ subject: `provider.${name}`, reason: feedError });
  }
  // One entry (one check, one JUnit test case) per subject, with every reason.
  const bySubject = new Map<string, string[]>();
  for (const u of unverified) bySubject.set(u.subject, [...(bySubject.get(u.subject) ?? []), u.reason]);
  return { providers, unverified: [...bySubject].map(([subject, reasons]) => ({ subject, reason: reasons.join('; ') })) };
}
