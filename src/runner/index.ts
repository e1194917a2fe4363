/** The runner: schedules, the open-model pacer, sweeps, campaigns, monitors and the result. */

export type { CampaignOutcome, CampaignSpec, TrackedCampaign } from './campaign.ts';
export { campaignStats, runCampaign } from './campaign.ts';
export { createRecipientMatcher, ProviderTracker } from './delivery-tracker.ts';
export type { DueSchedule, DueSpec } from './due.ts';
export { dueAt, dueSchedule, dueVarNames, lastDueOffset, scheduleBody } from './due.ts';
export { hasRestartFault, restartFaultIssues } from './fault.ts';
export { computeLateness } from './lateness.ts';
export { beginMockSession, type MockEndpoint, type MockSession } from './mock-session.ts';
export { parsePrometheusText } from './prometheus.ts';
export { defaultRunDir, describeMachine, writeResultFile } from './result.ts';
export type { RunMeta, RunOptions, RunProgress } from './run.ts';
export { plannedLength, runScenario } from './run.ts';
export type { RateStage, Schedule } from './schedule.ts';
export { buildSchedule } from './schedule.ts';
export type { SweepSpec, UslFitter } from './sweep.ts';
export { runSweep } from './sweep.ts';
export type { RestartRequest, RestartTiming, StartEmbeddedSystem, SystemUnderTest } from './system.ts';
export { unknownTemplateFields, usesTemplateField } from './templates.ts';
export type { Tolerances } from './validity.ts';
export { assessValidity } from './validity.ts';
