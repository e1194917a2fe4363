import { execFileSync } from 'node:child_process';
import { type Result, systemClock } from '../../core/index.ts';
import { evaluateThresholds, stampVerdict, type Threshold } from '../../gate/index.ts';
import type { RunOptions, RunProgress } from '../../runner/index.ts';
import type { CliIo } from '../io.ts';
import { VERSION } from '../version.ts';
import type { LoadedScenario } from './load-scenario.ts';
import type { RunWiring } from './wiring.ts';

/** What a command that runs a scenario knows: its io and wiring, the file, and the --target/--mocks flags. */
export interface ScenarioRunContext {
  io: CliIo;
  wiring: RunWiring;
  file: string;
  target?: string | undefined;
  mocks?: string | undefined;
  /** `--fail-fast`: end the run at its first definite failure. */
  failFast?: boolean;
}

/** The checked-out commit, for the result's meta (null outside a git checkout). */
export function gitCommit(cwd: string): string | null {
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 })
        .toString()
        .trim() || null
    );
  } catch {
    return null;
  }
}

/**
 * The runner's options for one run of a loaded scenario, the same for `run`, `project` and
 * `capacity`: the wiring's embedded system and fit, the scenario's thresholds, and the gate's one
 * verdict (`judge`), so a result.json says what `floodgate gate` says of it.
 */
export function scenarioRunOptions(
  ctx: ScenarioRunContext,
  loaded: Pick<LoadedScenario, 'hash'>,
  scale: number,
  thresholds: readonly Threshold[],
  onProgress: (p: RunProgress) => void,
): RunOptions {
  const { io, wiring } = ctx;
  return {
    clock: systemClock,
    signal: io.signal,
    meta: { toolVersion: VERSION, gitCommit: gitCommit(io.cwd), scenarioFile: ctx.file, scenarioHash: loaded.hash, scale },
    ...(ctx.target ? { target: ctx.target } : {}),
    ...(ctx.mocks ? { mocks: ctx.mocks } : {}),
    ...(io.env.FLOODGATE_MOCK_TOKEN ? { mocksToken: io.env.FLOODGATE_MOCK_TOKEN } : {}),
    ...(wiring.startEmbedded ? { startEmbedded: wiring.startEmbedded } : {}),
    ...(wiring.fit ? { fit: wiring.fit } : {}),
    evaluate: (r: Result) => evaluateThresholds(thresholds, r),
    judge: (r: Result) => stampVerdict(r).verdict,
    cpuUsage: () => process.cpuUsage(),
    onProgress,
    ...(ctx.failFast ? { failFast: true } : {}),
  };
}
