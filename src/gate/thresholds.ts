import type { Issue, Result, ThresholdOutcome } from '../core/index.ts';
import { aggregateName, CAMPAIGN_LATENESS, campaignField, METRIC_ROOTS, type MetricRef, resolveMetric, seriesName } from './metrics.ts';
import { compare, parseThresholdExpression, type ThresholdExpression } from './threshold-parser.ts';

/** A threshold ready to evaluate: its metric reader and parsed expression. */
export interface Threshold {
  metric: string;
  expression: ThresholdExpression;
  ref: MetricRef;
}

/** Names the scenario declares, so a threshold on `provider.alimtlk` is caught before the run. */
export interface ThresholdContext {
  providers?: readonly string[];
  campaigns?: readonly string[];
  /** The campaigns with due times (`due:`): lateness and early thresholds on any other are refused before the run. */
  scheduledCampaigns?: readonly string[];
  /** The scenario's tracked phases (`track:`): `phase.<name>.lost` on another is refused before the run. */
  phases?: readonly string[];
  /** The scenario's `search` step names: `search.<name>.rate` on another is refused before the run. */
  searches?: readonly string[];
  /** Series the scenario's monitors keep (`<monitor>.<series>`): a threshold on any other is refused before the run. */
  series?: readonly string[];
}

/**
 * Parses and validates a scenario's `thresholds` map (`metric: expression | [expressions]`).
 * Every problem is collected; each is an {@link Issue} whose path is `[...basePath, metric]`
 * (the caller adds file positions). Returns the thresholds or the issues, never both.
 */
export function buildThresholds(
  spec: Readonly<Record<string, string | readonly string[]>>,
  context: ThresholdContext = {},
  basePath: readonly (string | number)[] = ['thresholds'],
): { thresholds: Threshold[]; issues: Issue[] } {
  const thresholds: Threshold[] = [];
  const issues: Issue[] = [];
  for (const [metric, value] of Object.entries(spec)) {
    const expressions = typeof value === 'string' ? [value] : value;
    const path = [...basePath, metric];
    const ref = resolveMetric(metric);
    if ('unknown' in ref) {
      issues.push({ path, message: `unknown metric \`${metric}\``, hint: `known: ${ref.candidates.join(', ')}` });
      continue;
    }
    const nameIssue = checkNames(metric, context) ?? checkScheduled(metric, context);
    if (nameIssue) issues.push({ path, ...nameIssue });
    expressions.forEach((source, i) => {
      const itemPath = typeof value === 'string' ? path : [...path, i];
      const parsed = parseThresholdExpression(source);
      if ('message' in parsed) {
        issues.push({ path: itemPath, message: `${JSON.stringify(source)}: ${parsed.message}` });
        return;
      }
      if (ref.kind !== 'any' && parsed.kind !== 'number' && parsed.kind !== ref.kind) {
        issues.push({
          path: itemPath,
          message: `${JSON.stringify(source)}: ${metric} is a ${ref.kind}, but the bound is a ${parsed.kind}`,
        });
        return;
      }
      const aggregate = aggregateName(parsed.aggregate);
      if (aggregate !== undefined && !ref.aggregates.includes(aggregate)) {
        const takes =
          ref.aggregates.length > 0
            ? `it takes ${ref.aggregates.map((a) => (a === 'p' ? 'p(N)' : a)).join(', ')}`
            : 'it takes no aggregate: write the bound alone, e.g. "== 0"';
        issues.push({ path: itemPath, message: `${JSON.stringify(source)}: \`${aggregate}\` does not apply to ${metric}; ${takes}` });
        return;
      }
      thresholds.push({ metric, expression: parsed, ref });
    });
  }
  return { thresholds, issues };
}

function checkNames(metric: string, context: ThresholdContext): { message: string; hint?: string } | undefined {
  // A projection names the same series and campaigns as a run does.
  if (metric.startsWith('projected.')) return checkNames(metric.slice('projected.'.length), context);
  const [root, name] = metric.split('.');
  if (context.series && !(METRIC_ROOTS as readonly string[]).includes(root ?? '')) {
    const series = seriesName(metric);
    if (context.series.includes(series)) return undefined;
    const hint =
      context.series.length > 0
        ? `monitored series: ${context.series.join(', ')}`
        : 'add a monitor under monitors.prometheus that keeps it';
    return { message: `no monitor keeps a series \`${series}\`, so this threshold could never be verified`, hint };
  }
  // `campaign.lateness.p99` and `campaign.drainTime` name a field of every campaign, not a campaign.
  const campaign = root === 'campaign' ? campaignField(metric) : null;
  if (campaign && campaign.name === undefined) return undefined;
  const declared =
    root === 'provider'
      ? context.providers
      : root === 'campaign'
        ? context.campaigns
        : root === 'search'
          ? context.searches
          : root === 'phase'
            ? context.phases
            : undefined;
  if (!declared || name === undefined) return undefined;
  // `phase.latency.p95` names a field of all tracked phases, not a phase called `latency`.
  const isField = metric.split('.').length === 2 || (root === 'phase' && name === 'latency');
  if (isField || declared.includes(name)) return undefined;
  return { message: `no ${root} named \`${name}\` in this scenario`, hint: `declared: ${declared.join(', ') || 'none'}` };
}

/**
 * A lateness or early threshold must name a campaign with due times (or, unnamed, the scenario must
 * have one): over a campaign without them it could never be verified, and a silent pass would lie.
 */
function checkScheduled(metric: string, context: ThresholdContext): { message: string; hint?: string } | undefined {
  const scheduled = context.scheduledCampaigns;
  const found = campaignField(metric.startsWith('projected.') ? metric.slice('projected.'.length) : metric);
  if (!scheduled || !found || !(CAMPAIGN_LATENESS as readonly string[]).includes(found.field)) return undefined;
  const hint = `campaigns with due times: ${scheduled.join(', ') || 'none'}; add \`due: { at: ... }\` to the campaign step`;
  if (found.name === undefined)
    return scheduled.length > 0 ? undefined : { message: `no campaign in this scenario has \`due:\`, so ${metric} has no value`, hint };
  if (scheduled.includes(found.name)) return undefined;
  return { message: `campaign \`${found.name}\` has no \`due:\`, so it has no lateness or early deliveries to check`, hint };
}

/**
 * Evaluates thresholds on a result. A metric with no value fails, saying so. `projected.*`
 * thresholds are left to `floodgate project` (one run has nothing to project from).
 */
export function evaluateThresholds(thresholds: readonly Threshold[], result: Result): ThresholdOutcome[] {
  return thresholds
    .filter((t) => !t.metric.startsWith('projected.'))
    .map(({ metric, expression, ref }) => {
      const actual = ref.read(result, expression);
      const label = `${metric}: ${expression.source}`;
      if (actual === null || Number.isNaN(actual)) {
        return { metric, expression: expression.source, actual: null, ok: false, message: `${label} has no value in this result` };
      }
      const ok = compare(actual, expression.comparator, expression.value);
      return {
        metric,
        expression: expression.source,
        actual,
        ok,
        message: `${label} (actual ${formatActual(actual, expression, ref.kind)})`,
      };
    });
}

function formatActual(actual: number, expression: ThresholdExpression, metricKind: MetricRef['kind']): string {
  if (!Number.isFinite(actual)) return 'never reached';
  // A bare-number bound on a metric with a unit (a drain time `< 60000`) still prints the metric's unit.
  const kind = expression.kind === 'number' && metricKind !== 'any' ? metricKind : expression.kind;
  switch (kind) {
    case 'duration':
      return `${round(actual)}ms`;
    case 'fraction':
      return `${round(actual * 100)}%`;
    case 'size':
      return `${round(actual / 1e6)}MB`;
    case 'rate':
      return `${round(actual)}/s`;
    default:
      return String(round(actual));
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export { METRIC_ROOTS };
