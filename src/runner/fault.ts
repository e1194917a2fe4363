import type { FaultStep, Frozen, Scenario } from '../config/index.ts';
import type { FaultStats, Issue } from '../core/index.ts';
import type { SystemUnderTest } from './system.ts';

/** Does the scenario restart its dispatcher (a `fault` step)? Then the system must be restartable. */
export function hasRestartFault(scenario: Frozen<Scenario>): boolean {
  return scenario.load.some((step) => step.fault?.restart === 'dispatcher');
}

/**
 * The load-time problems of a scenario's `fault` steps given where its dispatcher comes from: a
 * dispatcher floodgate did not start (`--target`, or `system.dispatcher: <URL>`) cannot be
 * restarted by it. Paths point at each step's `restart` key, so the CLI can name file:line.
 */
export function restartFaultIssues(scenario: Frozen<Scenario>, target: string | undefined): Issue[] {
  const dispatcher = scenario.system.dispatcher;
  const owned = target === undefined && (dispatcher === 'embedded' || typeof dispatcher === 'object');
  if (owned) return [];
  const why =
    target !== undefined ? '--target names a dispatcher that is already running' : 'system.dispatcher is the URL of a running one';
  return scenario.load.flatMap((step, i) =>
    step.fault
      ? [
          {
            path: ['load', i, 'fault', 'restart'],
            message: `floodgate can only restart a dispatcher it started, and ${why}: give system.dispatcher: { url, command: [...] } so floodgate starts (and restarts) it`,
          },
        ]
      : [],
  );
}

/** Carries out one `fault` step on the system and records when it happened (ms from `runStart`). */
export async function runFaultStep(step: Frozen<FaultStep>, system: SystemUnderTest, runStart: number): Promise<FaultStats> {
  const base = {
    name: step.name ?? 'fault',
    kind: 'restart' as const,
    target: 'dispatcher' as const,
    instance: step.instance,
    signal: step.signal,
    down: step.down,
  };
  if (!system.restart) {
    return { ...base, killedAt: null, readyAt: null, downtime: null, error: 'this system under test cannot be restarted' };
  }
  const asked = Date.now();
  try {
    const { killedAt, readyAt } = await system.restart({ instance: step.instance, signal: step.signal, downMs: step.down });
    return {
      ...base,
      killedAt: Math.max(0, Math.round(killedAt - runStart)),
      readyAt: Math.max(0, Math.round(readyAt - runStart)),
      downtime: Math.max(0, readyAt - killedAt),
      error: null,
    };
  } catch (error) {
    return { ...base, killedAt: Math.max(0, Math.round(asked - runStart)), readyAt: null, downtime: null, error: (error as Error).message };
  }
}
