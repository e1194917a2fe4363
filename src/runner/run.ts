import {
  type CampaignStep,
  type Frozen,
  type PhasesStep,
  rateValue,
  SCENARIO_DEFAULTS,
  type Scenario,
  type SweepStep,
} from '../config/index.ts';
import {
  type CampaignStats,
  type Clock,
  createRng,
  InputError,
  type ProviderStats,
  type Result,
  type SweepStats,
  type ThresholdOutcome,
} from '../core/index.ts';
import { type CampaignOutcome, runCampaign } from './campaign.ts';
import { createHttpLedgerSource } from './ledger.ts';
import { startMonitors } from './monitors.ts';
import { runPacer } from './pacer.ts';
import { createRecorder, type RecorderSnapshot } from './recorder.ts';
import { assembleResult, describeMachine } from './result.ts';
import { buildSchedule } from './schedule.ts';
import { runSweep, type UslFit } from './sweep.ts';
import { preflight, type StartEmbeddedSystem, type SystemUnderTest, startSystem } from './system.ts';
import { createRequestFactory } from './templates.ts';
import { assessValidity, decideVerdict } from './validity.ts';

/** How far ahead of its first arrival a run is armed, ms. */
export const START_LEAD_MS = 100;

/** Live figures for the CLI's progress line. */
export interface RunProgress {
  elapsed: number;
  /** Planned length in ms, when every step has one. */
  planned: number | null;
  steps: string[];
  http: RecorderSnapshot;
  campaigns: { name: string; accepted: number; delivered: number; backlog: number }[];
  /** Each mock provider's last full second: admitted and rejected against its limit. */
  providers: { name: string; admitted: number; rejected: number; limit: number | null }[];
}

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
  /** WIRING POINT: starts the embedded dispatcher and mocks (see {@link StartEmbeddedSystem}). */
  startEmbedded?: StartEmbeddedSystem;
  /** WIRING POINT: the planner's `fitUsl`; without it sweeps report `usl: null`. */
  fit?: UslFit;
  /** Evaluates the scenario's thresholds on the result (the CLI passes the gate's evaluator). */
  evaluate?: (result: Result) => ThresholdOutcome[];
  cpuUsage?: () => { user: number; system: number };
  onProgress?: (progress: RunProgress) => void;
  /** How long to wait for in-flight requests after Ctrl-C, ms. */
  abortDrain?: number;
}

/**
 * Runs a validated scenario end to end: finds or starts the system, checks the target answers,
 * runs every load step (concurrently, each after its `delay`), tracks campaigns, collects
 * monitors and provider stats, and returns the result (validated against the contract). It
 * never writes files or prints: the CLI does.
 */
export async function runScenario(scenario: Frozen<Scenario>, options: RunOptions): Promise<Result> {
  const system = await startSystem(scenario.system, {
    ...(options.target ? { target: options.target } : {}),
    ...(options.startEmbedded ? { startEmbedded: options.startEmbedded } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    await preflight(system.targetUrl, scenario.timeouts.preflight);
    checkCampaignProviders(scenario, system);
    return await drive(scenario, system, options);
  } finally {
    await system.close();
  }
}

function checkCampaignProviders(scenario: Frozen<Scenario>, system: SystemUnderTest): void {
  const issues = scenario.load.flatMap((step, i) => {
    const c = step.campaign;
    const name = c?.provider ?? c?.channel;
    if (!c || !name || system.providers[name]) return [];
    return [
      {
        path: ['load', i, 'campaign', 'provider'],
        message: `no mock provider \`${name}\` to track this campaign in (known: ${Object.keys(system.providers).join(', ') || 'none'})`,
      },
    ];
  });
  if (issues.length > 0) throw new InputError('FG_CONFIG_INVALID', 'campaigns cannot be tracked', { issues });
}

async function drive(scenario: Frozen<Scenario>, system: SystemUnderTest, options: RunOptions): Promise<Result> {
  const { clock } = options;
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // Load starts a little after setup, so pools, timers and JIT warm-up do not count as schedule lag.
  const runStart = clock.now() + START_LEAD_MS;
  const startedAt = new Date(runStart).toISOString();
  const recorder = createRecorder();
  const monitors = startMonitors({
    prometheus: scenario.monitors.prometheus,
    origin: system.targetUrl,
    interval: scenario.monitors.interval,
    clock,
    runStart,
    ...(options.cpuUsage ? { cpuUsage: options.cpuUsage } : {}),
  });
  const active = new Set<string>();
  const campaignProgress = new Map<string, RunProgress['campaigns'][number]>();
  const providerRates = new Map<string, RunProgress['providers'][number]>();
  const ledgers = Object.entries(system.providers).map(
    ([name, p]) => [name, createHttpLedgerSource(p.adminUrl, name, { timeout: 1000 })] as const,
  );
  let ticks = 0;
  const progressTimer = setInterval(() => {
    // Every other second: the provider's last full second against its limit (best effort).
    if (options.onProgress && ticks++ % 2 === 0) {
      for (const [name, ledger] of ledgers) {
        ledger
          .stats()
          .then((st) => {
            const last = st.perSecond[st.perSecond.length - 2];
            providerRates.set(name, { name, admitted: last?.admitted ?? 0, rejected: last?.rejected ?? 0, limit: st.limitPerSecond });
          })
          .catch(() => undefined);
      }
    }
    recorder.tick(clock.now() - runStart);
    options.onProgress?.({
      elapsed: clock.now() - runStart,
      planned: plannedLength(scenario),
      steps: [...active],
      http: recorder.snapshot(),
      campaigns: [...campaignProgress.values()],
      providers: [...providerRates.values()],
    });
  }, 1000);
  const seed = scenario.seed ?? scenario.name;
  const sweeps: SweepStats[] = [];
  const campaigns: CampaignOutcome[] = [];
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
        if (step.phases) return tracked(step.phases.name ?? 'phases', 0, () => runPhases(step.phases as PhasesStep));
        // Sweeps and campaigns wait for the run's start plus their delay.
        if (step.sweep) return tracked(step.sweep.name ?? 'sweep', step.sweep.delay, () => runOneSweep(step.sweep as SweepStep));
        const c = step.campaign as CampaignStep;
        return tracked(c.name ?? 'campaign', c.delay, () => runOneCampaign(c));
      }),
    );
  } finally {
    clearInterval(progressTimer);
    options.signal?.removeEventListener('abort', onAbort);
  }

  async function runPhases(p: PhasesStep): Promise<void> {
    const stages = p.stages.map((s) => ({
      duration: s.duration,
      rate: rateValue(s.rate),
      ...(s.rampTo !== undefined ? { rampTo: rateValue(s.rampTo) } : {}),
    }));
    const rng = createRng(`${seed}:${p.name}`);
    const schedule = buildSchedule(stages, { arrival: p.arrival, rng });
    const templates = p.templates ?? [
      { method: p.target?.method ?? 'GET', path: p.target?.path ?? '/', headers: p.headers ?? {}, body: p.body },
    ];
    await runPacer({
      origin: system.targetUrl,
      schedule,
      requests: createRequestFactory(templates, { rng, clock, recipients: p.recipients ?? SCENARIO_DEFAULTS.recipientPool }),
      recorder,
      clock,
      runStart,
      phaseOffset: p.delay,
      timeout: p.timeout ?? scenario.timeouts.request,
      maxInFlight: scenario.maxInFlight,
      connections: Math.min(scenario.maxInFlight, SCENARIO_DEFAULTS.maxConnections),
      lateLimit: scenario.tolerances.lateLimit,
      drain: scenario.timeouts.drain,
      abortDrain: options.abortDrain ?? 2000,
      signal: controller.signal,
    });
  }

  async function runOneSweep(s: SweepStep): Promise<void> {
    sweeps.push(
      await runSweep(
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
        {
          origin: system.targetUrl,
          timeout: scenario.timeouts.request,
          signal: controller.signal,
          ...(options.fit ? { fit: options.fit } : {}),
        },
      ),
    );
  }

  async function runOneCampaign(c: CampaignStep): Promise<void> {
    const provider = c.provider ?? c.channel;
    const admin = system.providers[provider]?.adminUrl as string;
    campaigns.push(
      await runCampaign(
        {
          name: c.name ?? 'campaign',
          channel: c.channel,
          provider,
          recipients: c.recipients,
          pattern: c.pattern ?? `${c.name}-{seq}`,
          template: c.template,
          params: c.params,
          ...(c.deadline !== undefined ? { deadline: c.deadline } : {}),
          ...(c.start ? { start: c.start } : {}),
          poll: c.poll,
        },
        {
          origin: system.targetUrl,
          ledger: createHttpLedgerSource(admin, provider),
          clock,
          trackFor: scenario.timeouts.campaign,
          timeout: scenario.timeouts.request,
          signal: controller.signal,
          onProgress: (p) => campaignProgress.set(p.name, p),
        },
      ),
    );
  }

  const report = await monitors.stop();
  const { providers, warnings: providerWarnings } = await collectProviders(system);
  const end = clock.now();
  const totals = recorder.finish(end - runStart);
  const aborted = options.signal?.aborted ?? false;
  const warnings = [
    ...report.scrapeErrors,
    ...providerWarnings,
    ...campaigns.filter((c) => c.startError).map((c) => `campaign ${c.name}: ${c.startError}`),
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
      startedAt,
      endedAt: new Date(end).toISOString(),
      duration: Math.round(end - runStart),
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
      timeouts: totals.timeouts,
      errors: totals.errors,
      latencyCorrected: totals.latencyCorrected,
      latencyRaw: totals.latencyRaw,
    },
    providers,
    campaigns: campaigns.map(({ startError: _drop, ...stats }): CampaignStats => stats),
    sweeps,
    series: report.series,
    generator: { eventLoopLagP99: report.eventLoopLagP99, cpuPercentMax: report.cpuPercentMax, scheduleLagP99: totals.scheduleLag.p99 },
    thresholds: [],
    verdict: decideVerdict(validity, []),
  });
  const thresholds = options.evaluate?.(draft) ?? [];
  return { ...draft, thresholds, verdict: decideVerdict(validity, thresholds) };
}

async function collectProviders(system: SystemUnderTest): Promise<{ providers: Record<string, ProviderStats>; warnings: string[] }> {
  const providers: Record<string, ProviderStats> = {};
  const warnings: string[] = [];
  for (const [name, p] of Object.entries(system.providers)) {
    try {
      providers[name] = await createHttpLedgerSource(p.adminUrl, name).stats();
    } catch (error) {
      warnings.push(`provider ${name}: stats unavailable (${(error as Error).message})`);
    }
  }
  return { providers, warnings };
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
