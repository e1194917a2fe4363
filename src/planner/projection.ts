import type { ProjectedOutcome, Result } from '../core/index.ts';
import type { GrowthReport } from './plan-report.ts';
import { fitScaling, type Prediction, predict, type ScalingFit } from './scaling-fit.ts';

/**
 * Projection to full size and to the growth horizon: the figures of runs at several `--scale`s
 * (each campaign's drain time, each monitored series' peak) fitted against recipients
 * (scaling-fit.ts), then read off at full size and, when a plan is named, at the audience of its
 * horizon and its target. The plan's audience is taken as the recipients of the scenario's
 * largest campaign (one mail per subscriber); the other campaigns grow in proportion.
 */

/** A size to project to: a factor of the scenario at scale 1. */
export interface ProjectionTarget {
  /** `full size`, `horizon (24 months)`, `plan target`. */
  label: string;
  /** Subscribers (recipients of the largest campaign) at that size. */
  subscribers: number;
  /** The size as a multiple of the scenario at scale 1. */
  factor: number;
}

/** One fitted figure and its projections. */
export interface ProjectedFigure {
  /** `dispatcher.heap.max` or `campaign.<name>.drainTime`: what `projected.<key>` names. */
  key: string;
  unit: 'ms' | 'bytes' | 'number';
  fit: ScalingFit;
  at: (Prediction & { label: string; recipients: number })[];
}

/** One run that fed the fit. */
export interface ProjectionRun {
  scale: number;
  recipients: number;
  status: Result['verdict']['status'];
  validity: Result['validity']['verdict'];
  resultFile: string | null;
}

/** The projection as data: what project prints and writes (projection.json, .md, .html). */
export interface Projection {
  kind: 'floodgate-projection';
  version: 1;
  scenario: string;
  plan: string | null;
  runs: ProjectionRun[];
  targets: ProjectionTarget[];
  figures: ProjectedFigure[];
  thresholds: ProjectedOutcome[];
  /** Figures that could not be fitted, and why (e.g. a campaign that never drained at one scale). */
  warnings: string[];
  status: 'pass' | 'fail' | 'invalid';
}

/** The sizes to project to: full size, and the plan's horizon and target when it has growth. */
export function projectionTargets(fullSubscribers: number, growth: GrowthReport | null): ProjectionTarget[] {
  const targets: ProjectionTarget[] = [{ label: 'full size', subscribers: fullSubscribers, factor: 1 }];
  if (growth && fullSubscribers > 0) {
    const add = (label: string, subscribers: number) => targets.push({ label, subscribers, factor: subscribers / fullSubscribers });
    add(`horizon (${growth.horizonMonths} months)`, Math.round(growth.atHorizon));
    if (growth.target !== null) add('plan target', growth.target);
  }
  return targets;
}

interface Observed {
  unit: ProjectedFigure['unit'];
  /** x at scale 1, to place the targets on the same axis. */
  full: number;
  points: [number, number][];
  missing: string[];
}

/**
 * Collects the figures of each run: campaign drain times against that campaign's recipients,
 * and series peaks (monitored series only, not the runner's own) against all recipients.
 * `fullRecipients` maps each campaign to its recipients at scale 1.
 */
function observe(
  results: readonly Result[],
  fullRecipients: Readonly<Record<string, number>>,
  units: Readonly<Record<string, 'bytes' | 'number'>>,
) {
  const figures = new Map<string, Observed>();
  const fullTotal = Object.values(fullRecipients).reduce((a, b) => a + b, 0);
  const get = (key: string, unit: Observed['unit'], full: number) => {
    const f = figures.get(key) ?? { unit, full, points: [], missing: [] };
    figures.set(key, f);
    return f;
  };
  for (const r of results) {
    const total = r.campaigns.reduce((a, c) => a + c.requested, 0);
    for (const c of r.campaigns) {
      const f = get(`campaign.${c.name}.drainTime`, 'ms', fullRecipients[c.name] ?? c.requested / r.meta.scale);
      if (c.drainTime === null) f.missing.push(`scale ${r.meta.scale}: not every recipient arrived`);
      else f.points.push([c.requested, c.drainTime]);
    }
    const peaks = new Map<string, number>();
    for (const s of r.series) {
      if (s.source === 'runner' || s.points.length === 0) continue;
      const peak = Math.max(...s.points.map((p) => p[1]));
      peaks.set(s.name, Math.max(peaks.get(s.name) ?? Number.NEGATIVE_INFINITY, peak));
    }
    for (const [name, peak] of peaks) get(`${name}.max`, units[name] ?? 'number', fullTotal).points.push([total, peak]);
  }
  return figures;
}

/** Inputs of {@link buildProjection}. */
export interface ProjectionInput {
  scenario: string;
  plan: string | null;
  results: readonly { result: Result; file: string | null }[];
  /** Each campaign's recipients at scale 1. */
  fullRecipients: Readonly<Record<string, number>>;
  /** The plan's growth, when a plan is named and has one. */
  growth: GrowthReport | null;
  /** Series measured in bytes (their metric ends in `_bytes`), for the report's units. */
  seriesUnits?: Readonly<Record<string, 'bytes' | 'number'>>;
  /** Judges `projected.*` thresholds on the figures (the gate's evaluator, injected). */
  judge?: (lookup: (key: string) => { label: string; recipients: number; value: number }[] | null) => ProjectedOutcome[];
}

/** Fits every figure the runs carry and projects each to the targets. */
export function buildProjection(input: ProjectionInput): Projection {
  const fullSubscribers = Math.max(0, ...Object.values(input.fullRecipients));
  const targets = projectionTargets(fullSubscribers, input.growth);
  const warnings: string[] = [];
  const figures: ProjectedFigure[] = [];
  const observed = observe(
    input.results.map((r) => r.result),
    input.fullRecipients,
    input.seriesUnits ?? {},
  );
  for (const [key, o] of observed) {
    if (o.missing.length > 0) warnings.push(`${key}: not fitted (${o.missing.join('; ')})`);
    if (o.points.length < 3 || new Set(o.points.map((p) => p[0])).size < 2) {
      if (o.missing.length === 0) warnings.push(`${key}: not fitted (${o.points.length} run(s) carried it; 3 or more are needed)`);
      continue;
    }
    const fit = fitScaling(o.points);
    const at = targets.map((t) => ({ label: t.label, recipients: o.full * t.factor, ...predict(fit, o.full * t.factor) }));
    figures.push({ key, unit: o.unit, fit, at });
  }
  const byKey = new Map(figures.map((f) => [f.key, f]));
  const thresholds =
    input.judge?.((key) => byKey.get(key)?.at.map((a) => ({ label: a.label, recipients: a.recipients, value: a.value })) ?? null) ?? [];
  const runs = input.results.map(({ result, file }) => ({
    scale: result.meta.scale,
    recipients: result.campaigns.reduce((a, c) => a + c.requested, 0),
    status: result.verdict.status,
    validity: result.validity.verdict,
    resultFile: file,
  }));
  const status = runs.some((r) => r.status === 'invalid')
    ? 'invalid'
    : runs.some((r) => r.status === 'fail') || thresholds.some((t) => !t.ok)
      ? 'fail'
      : 'pass';
  return {
    kind: 'floodgate-projection',
    version: 1,
    scenario: input.scenario,
    plan: input.plan,
    runs,
    targets,
    figures,
    thresholds,
    warnings,
    status,
  };
}
