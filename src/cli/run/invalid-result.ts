import { PENDING_VERDICT, RESULT_SCHEMA_VERSION, Result } from '../../core/index.ts';
import { describeMachine } from '../../runner/index.ts';

/** What is known of a run that could not start: the scenario, the target, when, and why. */
export interface NotStarted {
  scenario: { name: string; file: string | null; hash: string };
  toolVersion: string;
  gitCommit: string | null;
  scale: number;
  target: string | null;
  startedAt: number;
  endedAt: number;
  reason: string;
}

const NO_LATENCY = { count: 0, min: null, mean: null, p50: null, p90: null, p95: null, p99: null, p999: null, max: null };

/**
 * The result of a run that never started (an unreachable target or mock): INVALID with the
 * reason, and nothing measured. Written like any result, so CI keeps a result.json and a
 * junit.xml that say INVALID instead of no file at all.
 */
export function notStartedResult(n: NotStarted): Result {
  return Result.parse({
    schemaVersion: RESULT_SCHEMA_VERSION,
    meta: {
      tool: { name: 'floodgate', version: n.toolVersion },
      gitCommit: n.gitCommit,
      scenario: n.scenario,
      scale: n.scale,
      startedAt: new Date(n.startedAt).toISOString(),
      endedAt: new Date(n.endedAt).toISOString(),
      duration: Math.max(0, Math.round(n.endedAt - n.startedAt)),
      aborted: false,
      machine: describeMachine(),
      target: { kind: n.target ? 'external' : 'embedded', url: n.target },
    },
    validity: { verdict: 'INVALID', reasons: [`the run could not start: ${n.reason}`] },
    timeline: [],
    http: { requests: 0, completed: 0, dropped: 0, timeouts: 0, errors: {}, latencyCorrected: NO_LATENCY, latencyRaw: NO_LATENCY },
    providers: {},
    campaigns: [],
    sweeps: [],
    series: [],
    generator: { eventLoopLagP99: null, cpuPercentMax: null, scheduleLagP99: null },
    thresholds: [],
    verdict: PENDING_VERDICT,
  });
}
