import type { PlanValueResolver } from '../../config/index.ts';
import type { StartEmbeddedSystem, UslFit } from '../../runner/index.ts';
import { startEmbeddedMocks } from './embedded.ts';

/**
 * WIRING POINTS for `floodgate run`, filled in by the coordinator once the sibling parts are
 * merged. Until then `run` works against external targets (`--target URL` or a URL in
 * `system.dispatcher`, with mock providers given by `url`), sweeps report `usl: null`, and a
 * `rate: { plan, value }` is refused with a clear message.
 *
 * - `startEmbedded`: starts the mocks already (`startEmbeddedMocks`); add `createDispatcher(config)`
 *   (dispatcher/) for `withDispatcher: true`, returning its URL and closing it in `close()`.
 * - `fit`: the planner's `fitUsl` (src/planner).
 * - `resolvePlanValue`: load the plan file with the planner and return the named value
 *   (`targetTps`, `feature.<name>.tps`, ... see PLAN_VALUE_NAMES in src/config).
 */
export interface RunWiring {
  startEmbedded?: StartEmbeddedSystem;
  fit?: UslFit;
  resolvePlanValue?: PlanValueResolver;
}

/** The defaults `floodgate run` uses; tests may pass their own to the command factory. */
export const RUN_WIRING: RunWiring = { startEmbedded: startEmbeddedMocks };
