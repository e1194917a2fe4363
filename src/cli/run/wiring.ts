import type { PlanValueResolver } from '../../config/index.ts';
import { fitUsl } from '../../planner/index.ts';
import type { StartEmbeddedSystem, UslFit } from '../../runner/index.ts';
import { startEmbeddedMocks } from './embedded.ts';
import { createPlanValueResolver } from './plan-values.ts';

/**
 * WIRING POINTS for `floodgate run`: the parts of floodgate that `run` uses but does not own.
 * Mocks, the planner's USL fit and plan values are wired; the embedded reference dispatcher is
 * the one left (see `startEmbeddedMocks`).
 *
 * - `startEmbedded`: starts the mocks already (`startEmbeddedMocks`); add `createDispatcher(config)`
 *   (dispatcher/) for `withDispatcher: true`, returning its URL and closing it in `close()`.
 * - `fit`: the planner's `fitUsl` (src/planner).
 * - `resolvePlanValue`: builds the plan with the planner and returns the named value
 *   (`targetTps`, `feature.<name>.tps`, ... see PLAN_VALUE_NAMES in src/config).
 */
export interface RunWiring {
  startEmbedded?: StartEmbeddedSystem;
  fit?: UslFit;
  resolvePlanValue?: PlanValueResolver;
}

/** The defaults `floodgate run` uses; tests may pass their own to the command factory. */
export const RUN_WIRING: RunWiring = { startEmbedded: startEmbeddedMocks, fit: fitUsl, resolvePlanValue: createPlanValueResolver() };
