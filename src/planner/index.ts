/**
 * floodgate's capacity planner (`floodgate/planner`): pure functions from a team's numbers to
 * targets. Rates are per second, durations milliseconds, sizes bytes.
 */

export type { ChannelCostInput } from './budget.ts';
export { channelMonthlyCost, creditsRunwayMonths, monthlyCeiling } from './budget.ts';
export { buildPlan } from './build-plan.ts';
export type { QuotaBoundLateness, SenderLimits, Throughput } from './campaign.ts';
export {
  deliverableBy,
  drainCurve,
  drainTimeMs,
  quotaBoundLateness,
  requiredRate,
  retryInflation,
  senderThroughput,
  workersToSaturate,
} from './campaign.ts';
export type { ErlangInput, ErlangResult, WaitTarget } from './erlang.ts';
export { erlangB, erlangC, serviceLevel, smallestPool } from './erlang.ts';
export type { ExecutorInput, MemoryEstimate } from './executor.ts';
export { memoryEstimate, rejectedPerPage } from './executor.ts';
export type { GrowthModel } from './growth.ts';
export { monthCapacityRunsOut, monthsUntil, subscribersAt } from './growth.ts';
export type * from './plan-report.ts';
export type { ProjectedFigure, Projection, ProjectionInput, ProjectionRun, ProjectionTarget } from './projection.ts';
export { buildProjection, projectionTargets } from './projection.ts';
export type { GrowthShape, LineFit, Prediction, QuadraticFit, ScalingFit } from './scaling-fit.ts';
export { fitScaling, predict, tQuantile975 } from './scaling-fit.ts';
export type { AudienceRoute, AudienceRouteInput, FeatureTarget, MixFeature } from './traffic.ts';
export { splitByMix, tpsFromUsers, usersFromAudience, usersFromConnections, usersFromTps } from './traffic.ts';
export type { Headroom, UslFit, UslPoint } from './usl.ts';
export { fitUsl, headroom, uslThroughput } from './usl.ts';
