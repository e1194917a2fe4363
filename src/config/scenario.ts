import { FloodgateError, formatIssue, type Issue, parseCount } from '../core/index.ts';
import type { PlanRef, RateValue, Scenario } from './scenario-schema.ts';
import { deepFreeze, type Frozen } from './validate.ts';
import type { YamlSource } from './yaml-source.ts';

/** Looks a value up in a capacity plan, e.g. `('scenarios/plans/mail-morning.yaml', 'targetTps') -> 375`. */
export type PlanValueResolver = (planFile: string, valueName: string) => number | Promise<number>;

function isPlanRef(rate: RateValue | undefined): rate is PlanRef {
  return typeof rate === 'object' && rate !== null;
}

/**
 * Replaces every `{ plan, value }` rate (stage `rate`/`rampTo`, sweep `targetTps`) with the
 * number the plan gives. Every failure is an issue with its file position; nothing is thrown.
 */
export async function resolvePlanRates(
  scenario: Frozen<Scenario>,
  resolve: PlanValueResolver,
  source?: YamlSource,
): Promise<{ scenario: Frozen<Scenario>; issues: Issue[] }> {
  const copy = structuredClone(scenario) as Scenario;
  const issues: Issue[] = [];
  // By their text: a plan referenced twice reports its problems once.
  const planIssues = new Map<string, Issue>();
  const fix = async (holder: Record<string, unknown>, key: string, path: (string | number)[]) => {
    const rate = holder[key] as RateValue | undefined;
    if (!isPlanRef(rate)) return;
    try {
      const value = await resolve(rate.plan, rate.value);
      if (!(Number.isFinite(value) && value >= 0)) throw new Error(`gave ${value}, not a rate`);
      holder[key] = value;
    } catch (error) {
      const fullPath = [...path, key];
      issues.push({
        path: fullPath,
        message: `cannot take \`${rate.value}\` from ${rate.plan}: ${(error as Error).message}`,
        ...(source ? { location: source.locate(fullPath) } : {}),
      });
      // An invalid plan's own problems, with the plan file's positions: "2 problems" alone says nothing.
      if (error instanceof FloodgateError) {
        for (const issue of error.issues) {
          const text = formatIssue(issue);
          if (!planIssues.has(text)) planIssues.set(text, issue);
        }
      }
    }
  };
  for (const [i, step] of copy.load.entries()) {
    if (step.phases) {
      for (const [j, stage] of step.phases.stages.entries()) {
        const path = ['load', i, 'phases', 'stages', j];
        await fix(stage as Record<string, unknown>, 'rate', path);
        await fix(stage as Record<string, unknown>, 'rampTo', path);
      }
    } else if (step.sweep) {
      await fix(step.sweep as Record<string, unknown>, 'targetTps', ['load', i, 'sweep']);
    } else if (step.search) {
      await fix(step.search as Record<string, unknown>, 'targetTps', ['load', i, 'search']);
    }
  }
  return { scenario: deepFreeze(copy), issues: [...issues, ...planIssues.values()] };
}

/** Reads a resolved rate; a plan reference left unresolved here is a defect in the caller. */
export function rateValue(rate: RateValue): number {
  if (isPlanRef(rate)) throw new Error(`rate from ${rate.plan} (${rate.value}) was not resolved before the run`);
  return rate;
}

/**
 * `--scale F`: shrinks counts and durations by F and keeps every rate, so a 420,000-recipient,
 * 35-minute campaign runs in CI in seconds with the same physics (ARCHITECTURE.md). Stage,
 * sweep-step and delay durations, campaign recipients and deadlines scale; rates, timeouts,
 * concurrency and tolerances do not. A campaign's `due` times stay, its `due.batch` scales. Counts round up (at least 1); a sweep step keeps at least
 * 1 s so autocannon has a second to measure.
 */
export function scaleScenario(scenario: Frozen<Scenario>, factor: number): Frozen<Scenario> {
  if (!(factor > 0)) throw new RangeError(`scale must be above 0, got ${factor}`);
  const copy = structuredClone(scenario) as Scenario;
  if (factor === 1) return deepFreeze(copy);
  const time = (ms: number) => Math.max(1, Math.round(ms * factor));
  for (const step of copy.load) {
    if (step.phases) {
      step.phases.delay = Math.round(step.phases.delay * factor);
      for (const stage of step.phases.stages) stage.duration = time(stage.duration);
    } else if (step.sweep) {
      step.sweep.delay = Math.round(step.sweep.delay * factor);
      step.sweep.duration = Math.max(1000, time(step.sweep.duration));
    } else if (step.campaign) {
      const c = step.campaign;
      c.delay = Math.round(c.delay * factor);
      c.recipients = Math.max(1, Math.ceil(c.recipients * factor));
      if (c.deadline !== undefined) c.deadline = time(c.deadline);
      // Due times are physics and stay; a batch scales with the recipients, so the number of batches stays.
      if (c.due?.batch !== undefined) c.due.batch = Math.max(1, Math.ceil(c.due.batch * factor));
    } else if (step.search) {
      // A search keeps its step length: a shorter step cannot tell a growing queue from noise.
      step.search.delay = Math.round(step.search.delay * factor);
    } else if (step.fault) {
      // The fault lands at the same point of a shorter run; a restart takes as long as it takes.
      step.fault.delay = Math.round(step.fault.delay * factor);
    }
  }
  scaleQuotas(copy.system.providers, factor);
  return deepFreeze(copy);
}

/**
 * A provider quota the scenario states (SES's `quota`, a count per `quotaWindow`) is a count, so it
 * scales too: the run then uses the same share of it at any scale (story 1's confirmations take
 * 89% of theirs at full size and at 1%), and a scaled run that would exhaust it at full size
 * exhausts it scaled. The window is not scaled: a scaled run is far shorter than a day either way.
 * A quota left to the mock's default is not touched; one that is not a count is the mock's to refuse.
 */
function scaleQuotas(providers: Scenario['system']['providers'], factor: number): void {
  for (const provider of Object.values(providers)) {
    const config = provider as Record<string, unknown>;
    if (typeof config.quota !== 'number' && typeof config.quota !== 'string') continue;
    try {
      config.quota = Math.max(1, Math.ceil(parseCount(config.quota) * factor));
    } catch {
      // Not a count: left as written, so the mock's validation names it.
    }
  }
}
