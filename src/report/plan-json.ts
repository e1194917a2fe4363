import type { PlanReport } from '../planner/index.ts';

/**
 * The plan as JSON (`plan.json`, `floodgate plan --json`). Infinite figures (a drain with no
 * bound, a runway with no spend) become null, which JSON can carry.
 */
export function renderPlanJson(report: PlanReport): string {
  return `${JSON.stringify(report, (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`;
}
