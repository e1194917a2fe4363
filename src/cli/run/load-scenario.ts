import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ProviderConfig as MockProviderConfig } from '../../../mock-providers/index.ts';
import {
  type Frozen,
  type PlanValueResolver,
  parseYamlSource,
  readYamlText,
  resolvePlanRates,
  Scenario,
  scaleScenario,
  validateSource,
} from '../../config/index.ts';
import { FloodgateError, InputError, type Issue } from '../../core/index.ts';
import { buildThresholds, type Threshold } from '../../gate/index.ts';
import { dueVarNames, restartFaultIssues, unknownTemplateFields, usesTemplateField } from '../../runner/index.ts';

/** A scenario ready to run, with its thresholds parsed and its identity. */
export interface LoadedScenario {
  scenario: Frozen<Scenario>;
  thresholds: Threshold[];
  hash: string;
}

/**
 * Loads a scenario and checks everything that can be checked before a run, reporting every
 * problem at once with file:line:column (exit 4): the schema, the thresholds (even when the
 * schema fails, so one pass shows all), plan references, and `{{fields}}` in templates.
 */
export async function loadScenario(
  file: string,
  options: {
    scale: number;
    resolvePlanValue?: PlanValueResolver;
    env?: Readonly<Record<string, string | undefined>>;
    /** Raises the YAML size limit (benchmarks only; users get `MAX_YAML_BYTES`). */
    maxBytes?: number;
    /** `--target`: a dispatcher floodgate does not own, so `fault` steps cannot restart it. */
    target?: string;
  },
): Promise<LoadedScenario> {
  const text = await readYamlText(file, options.maxBytes);
  const source = parseYamlSource(text, file, {
    ...(options.env ? { env: options.env } : {}),
    ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
  });
  const issues: Issue[] = [];
  let scenario: Frozen<Scenario> | undefined;
  try {
    scenario = validateSource(Scenario, source);
  } catch (error) {
    if (!(error instanceof FloodgateError)) throw error;
    issues.push(...error.issues);
  }
  const data = source.data as { thresholds?: unknown; system?: { providers?: unknown }; load?: unknown };
  // Thresholds are checked even when the schema failed; entries of the wrong type are the schema's to report.
  const thresholdSpec = isObject(data?.thresholds)
    ? (Object.fromEntries(Object.entries(data.thresholds).filter(([, v]) => isExpressions(v))) as Record<string, string | string[]>)
    : {};
  const providers = isObject(data?.system?.providers) ? Object.keys(data.system.providers) : [];
  issues.push(...embeddedMockIssues(source, data?.system?.providers));
  const campaigns = scenario?.load.flatMap((s) => (s.campaign?.name ? [s.campaign.name] : []));
  const scheduled = scenario?.load.flatMap((s) => (s.campaign?.name && s.campaign.due ? [s.campaign.name] : []));
  const searches = scenario?.load.flatMap((s) => (s.search?.name ? [s.search.name] : []));
  const tracked = scenario?.load.flatMap((s) => (s.phases?.track && s.phases.name ? [s.phases.name] : []));
  // The series the monitors keep, as the runner names them (`<monitor>.<metric or as>`).
  const series = scenario?.monitors.prometheus.flatMap((m) =>
    m.series.map((entry) => {
      const as = typeof entry === 'string' ? entry : entry.as;
      return m.name ? `${m.name}.${as}` : as;
    }),
  );
  const built = buildThresholds(thresholdSpec, {
    providers,
    ...(campaigns ? { campaigns } : {}),
    ...(scheduled ? { scheduledCampaigns: scheduled } : {}),
    ...(searches ? { searches } : {}),
    ...(tracked ? { phases: tracked } : {}),
    ...(series ? { series } : {}),
  });
  issues.push(...built.issues.map((i) => ({ ...i, location: source.locate(i.path) })));
  if (scenario) {
    issues.push(...templateIssues(scenario, source.locate));
    issues.push(...restartFaultIssues(scenario, options.target).map((i) => ({ ...i, location: source.locate(i.path) })));
    const hasPlanRefs = JSON.stringify(scenario.load).includes('"plan":');
    if (hasPlanRefs) {
      const resolver: PlanValueResolver =
        options.resolvePlanValue ??
        (() => {
          throw new Error('this floodgate build has no planner wired in; write the rate as a number');
        });
      const resolved = await resolvePlanRates(scenario, resolver, source);
      issues.push(...resolved.issues);
      scenario = resolved.scenario;
    }
  }
  if (issues.length > 0 || !scenario) {
    // The scenario's own issues first, then those of other files (an invalid plan), each by position.
    const other = (i: Issue) => (i.location !== undefined && i.location.file !== file ? 1 : 0);
    issues.sort(
      (a, b) =>
        other(a) - other(b) || (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.column ?? 0) - (b.location?.column ?? 0),
    );
    throw new InputError('FG_CONFIG_INVALID', `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`, { issues });
  }
  return {
    scenario: scaleScenario(scenario, options.scale),
    thresholds: built.thresholds,
    hash: `sha256:${createHash('sha256').update(text).digest('hex')}`,
  };
}

function templateIssues(scenario: Frozen<Scenario>, locate: (path: (string | number)[]) => Issue['location']): Issue[] {
  const issues: Issue[] = [];
  const check = (
    template: { method: string; path: string; headers?: Readonly<Record<string, string>>; body?: unknown },
    path: (string | number)[],
    vars: Record<string, unknown> = {},
  ) => {
    for (const field of unknownTemplateFields(template, vars)) {
      issues.push({
        path,
        message: `unknown template field {{${field}}}`,
        hint: `fields here: uuid, seq, recipient, now, nowIso, ${Object.keys(vars).join(', ')}`,
        location: locate(path),
      });
    }
  };
  for (const [i, step] of scenario.load.entries()) issues.push(...trackedIssues(step, i, locate));
  scenario.load.forEach((step, i) => {
    const p = step.phases;
    if (p?.templates) {
      for (const [j, t] of p.templates.entries()) check(t, ['load', i, 'phases', 'templates', j], { token: 1 });
    } else if (p?.target)
      check({ ...p.target, ...(p.headers ? { headers: p.headers } : {}), body: p.body }, ['load', i, 'phases', 'target'], { token: 1 });
    const s = step.search;
    if (s?.templates) {
      for (const [j, t] of s.templates.entries()) check(t, ['load', i, 'search', 'templates', j], { token: 1 });
    } else if (s?.target)
      check({ ...s.target, ...(s.headers ? { headers: s.headers } : {}), body: s.body }, ['load', i, 'search', 'target'], { token: 1 });
    const c = step.campaign;
    if (c?.start)
      check(c.start, ['load', i, 'campaign', 'start'], {
        channel: 1,
        provider: 1,
        template: 1,
        params: 1,
        count: 1,
        pattern: 1,
        name: 1,
        token: 1,
        // A scheduled campaign's own start request may carry its due times (`{{dueAtMs}}`, ...).
        ...Object.fromEntries((c.due ? dueVarNames(c.due) : []).map((v) => [v, 1])),
      });
  });
  return issues;
}

/**
 * `{{tracked}}` hands out a phase's tracked recipients: it needs `track` on its phase, and a phase
 * with `track` needs a template that uses it (else nothing would be tracked and the phase's checks
 * would hold over nothing).
 */
function trackedIssues(
  step: Frozen<Scenario>['load'][number],
  i: number,
  locate: (path: (string | number)[]) => Issue['location'],
): Issue[] {
  const at = (path: (string | number)[], message: string, hint: string): Issue => ({ path, message, hint, location: locate(path) });
  const p = step.phases;
  if (p) {
    const templates = p.templates ?? (p.target ? [{ ...p.target, ...(p.headers ? { headers: p.headers } : {}), body: p.body }] : []);
    const uses = templates.some((t) => usesTemplateField(t, 'tracked'));
    if (p.track && !uses)
      return [
        at(['load', i, 'phases', 'track'], 'a tracked phase needs a request that uses {{tracked}}', 'e.g. body: { to: "{{tracked}}" }'),
      ];
    if (!p.track && uses)
      return [
        at(
          ['load', i, 'phases'],
          '{{tracked}} needs `track` on its phase',
          'add track: { provider: <the mock provider the messages go to> }',
        ),
      ];
    return [];
  }
  const other = step.search?.templates ?? (step.search?.target ? [{ ...step.search.target, body: step.search.body }] : []);
  const start = step.campaign?.start ? [step.campaign.start] : [];
  if ([...other, ...start].some((t) => usesTemplateField(t, 'tracked')))
    return [
      at(['load', i], '{{tracked}} is for phases with `track`', 'a campaign is tracked by its own recipients; a search is not tracked'),
    ];
  return [];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isExpressions(x: unknown): x is string | string[] {
  return typeof x === 'string' || (Array.isArray(x) && x.length > 0 && x.every((y) => typeof y === 'string'));
}

/**
 * The scenario schema keeps each provider's mock config opaque (the mocks own it); check it here
 * against the mocks' own schema, so a bad setting is reported with the rest, with its position and
 * hint, before anything starts. That holds for a provider on a long-lived mock too (`url`, or
 * `system.mocks`): its settings are pushed there for the run, so a misspelt key next to `url` is
 * an error, never silently ignored. A provider without `kind` is checked by the mock itself when
 * the run begins.
 */
function embeddedMockIssues(source: Parameters<typeof validateSource>[1], providers: unknown): Issue[] {
  if (!isObject(providers)) return [];
  const known = Object.entries(providers).filter(([, p]) => isObject(p) && 'kind' in p);
  if (known.length === 0) return [];
  // `url` is floodgate's, not the mock's: allowed beside any kind's keys (the did-you-mean hints then stay with the plain schema).
  const withUrl = (schema: z.ZodType) =>
    z.preprocess((v) => (isObject(v) ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'url')) : v), schema);
  const shape = z
    .object({
      system: z
        .object({
          providers: z
            .object(
              Object.fromEntries(
                known.map(([name, p]) => [name, 'url' in (p as object) ? withUrl(MockProviderConfig) : MockProviderConfig]),
              ),
            )
            .passthrough(),
        })
        .passthrough(),
    })
    .passthrough();
  try {
    validateSource(shape, source);
    return [];
  } catch (error) {
    if (error instanceof FloodgateError) return [...error.issues];
    throw error;
  }
}
