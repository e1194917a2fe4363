import type { PlanValueResolver } from '../../config/index.ts';
import { fitUsl } from '../../planner/index.ts';
import type { StartEmbeddedSystem, UslFitter } from '../../runner/index.ts';
import { startEmbeddedSystemInChild } from './embedded-process.ts';
import { createPlanValueResolver } from './plan-values.ts';

/**
 * WIRING POINTS for `floodgate run`: the parts of floodgate that `run` uses but does not own
 * (the embedded mocks and reference dispatcher, the planner's USL fit, plan values), injected so
 * the runner depends only on interfaces and tests can pass their own.
 *
 * - `startEmbedded`: `startEmbeddedSystemInChild` (mock-providers/ and dispatcher/ in a child process).
 * - `fit`: the planner's `fitUsl` (src/planner).
 * - `resolvePlanValue`: builds the plan with the planner and returns the named value
 *   (`targetTps`, `feature.<name>.tps`, ... see PLAN_VALUE_NAMES in src/config).
 */
export interface RunWiring {
  startEmbedded?: StartEmbeddedSystem;
  fit?: UslFitter;
  resolvePlanValue?: PlanValueResolver;
}

/** The defaults `floodgate run` uses; tests may pass their own to the command factory. */
export const RUN_WIRING: RunWiring = {
  startEmbedded: startEmbeddedSystemInChild,
  fit: fitUsl,
  resolvePlanValue: createPlanValueResolver(),
};
