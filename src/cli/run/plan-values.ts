import { loadConfigFile } from '../../config/index.ts';
import { PlanSchema } from '../../config/plan-schema.ts';
import { buildPlan, type PlanReport } from '../../planner/index.ts';

/**
 * Reads a named value from a capacity plan, so a scenario runs at the planned target:
 * `targetTps` (the system TPS), `feature.<name>.tps` / `feature.<name>.users` (from the call mix),
 * `campaign.<name>.tps` (the campaign's required send rate, the higher end). `planFile` is an
 * absolute path (the CLI resolves it against the working directory). Plans are built once each.
 */
export function createPlanValueResolver(): (planFile: string, valueName: string) => Promise<number> {
  const cache = new Map<string, Promise<PlanReport>>();
  return async (planFile, valueName) => {
    let report = cache.get(planFile);
    if (!report) {
      report = loadConfigFile(PlanSchema, planFile).then((plan) => buildPlan(plan));
      cache.set(planFile, report);
    }
    const value = readPlanValue(await report, valueName);
    if (value === undefined) throw new Error(`no value \`${valueName}\`; this plan has: ${planValueNames(await report).join(', ')}`);
    return value;
  };
}

function readPlanValue(report: PlanReport, name: string): number | undefined {
  if (name === 'targetTps') return report.system?.tps;
  const feature = /^feature\.(.+)\.(tps|users)$/.exec(name);
  if (feature) return report.mix?.features.find((f) => f.name === feature[1])?.[feature[2] as 'tps' | 'users'];
  const campaign = /^campaign\.(.+)\.tps$/.exec(name);
  if (campaign) return report.campaigns.find((c) => c.name === campaign[1])?.requiredRate?.max;
  return undefined;
}

function planValueNames(report: PlanReport): string[] {
  return [
    ...(report.system ? ['targetTps'] : []),
    ...(report.mix?.features.flatMap((f) => [`feature.${f.name}.tps`, `feature.${f.name}.users`]) ?? []),
    ...report.campaigns.filter((c) => c.requiredRate).map((c) => `campaign.${c.name}.tps`),
  ];
}
