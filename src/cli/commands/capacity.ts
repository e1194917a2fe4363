import { join, resolve } from 'node:path';
import { type Frozen, type LoadStep, type PhasesStep, rateValue, type Scenario, SEARCH_DEFAULTS } from '../../config/index.ts';
import { InputError, parseDuration, parsePercent } from '../../core/index.ts';
import { buildThresholds, buildVerdict, renderVerdictText, type Threshold } from '../../gate/index.ts';
import { runScenario, writeResultFile } from '../../runner/index.ts';
import { numberFlag, parseCommandArgs } from '../args.ts';
import type { CliIo, Command } from '../io.ts';
import { prepareOutDir } from '../out-dir.ts';
import { writeReportFiles } from '../report-files.ts';
import { loadScenario } from '../run/load-scenario.ts';
import { createProgressWriter } from '../run/progress.ts';
import { runDirectory } from '../run/repetitions.ts';
import { scenarioRunOptions } from '../run/run-options.ts';
import { RUN_WIRING, type RunWiring } from '../run/wiring.ts';

const USAGE = `Usage: floodgate capacity <scenario.yaml> [options]

Finds the highest arrival rate at which one of the scenario's HTTP phases still holds its
latency budget, with nothing dropped and the generator keeping up: open-model steps upwards,
then bisection, then the boundary step repeated (see "Capacity search" in the README). The
phase's requests are kept; its stages are replaced by the search. Campaigns and other phases
still run alongside, so the answer is the rate held while they do. A scenario that already has
\`search\` steps runs as it is.

The budget comes from the flags, else from the scenario's thresholds (http.latency.p95/p99/avg
and http.errors rate). The phase's highest stage rate (e.g. a plan's targetTps) is the target
the answer is compared with, and a threshold search.<phase>.rate >= target is judged.

Options:
  --phase NAME     the phases step to search (default: the first)
  --budget B       latency bounds and the failure share, e.g. "p95=200ms,errors=1%" (p50, p95,
                   p99, avg; errors defaults to the threshold, else 1%)
  --from R --to R  rates to search between (default: target/4 .. target x 2)
  --step D         how long each rate is held (default 5s)
  --target URL     your own dispatcher (as for run)
  --scale F        shrink campaigns and delays (rates and the search's steps are kept)
  --out DIR        write into DIR instead of reports/<scenario>/<timestamp>
  --json           print a JSON summary on stdout
  -h, --help       this text

Exit codes: 0 the target is held (or no target), 1 a threshold or check failed, 3 run invalid,
4 bad scenario or arguments.
`;

/** What the flags say about the search. */
export interface CapacityFlags {
  phase?: string;
  p50?: number;
  p95?: number;
  p99?: number;
  avg?: number;
  errors?: number;
  from?: number;
  to?: number;
  step?: number;
}

/**
 * Turns a scenario into a capacity search: the chosen phase becomes a `search` step with the
 * same requests, the budget from the flags or the scenario's own thresholds, the phase's highest
 * stage rate as the target. Returns the scenario and the one threshold on its answer.
 */
export function toCapacityScenario(
  scenario: Frozen<Scenario>,
  thresholds: readonly Threshold[],
  flags: CapacityFlags,
): { scenario: Frozen<Scenario>; thresholds: Threshold[] } {
  if (scenario.load.some((s) => s.search)) return { scenario, thresholds: [...thresholds] };
  const phases = scenario.load.flatMap((s) => (s.phases ? [s.phases] : []));
  const phase = flags.phase ? phases.find((p) => p.name === flags.phase) : phases[0];
  if (!phase) {
    const known = phases.map((p) => p.name).join(', ') || 'none';
    throw new InputError(
      'FG_USAGE',
      `floodgate capacity: no phases step ${flags.phase ? `named \`${flags.phase}\` ` : ''}to search (phases: ${known})`,
    );
  }
  const budget = budgetFrom(thresholds, flags);
  const target = Math.max(...phase.stages.flatMap((s) => [rateValue(s.rate), s.rampTo !== undefined ? rateValue(s.rampTo) : 0]));
  const from = flags.from ?? Math.max(1, round(target / 4));
  const to = flags.to ?? Math.max(from * 2, round(target * 2));
  if (!(from > 0 && to > from))
    throw new InputError('FG_USAGE', `floodgate capacity: --to (${to}) must be above --from (${from}), and --from above 0`);
  const name = phase.name ?? 'phases';
  const search = searchFrom(phase, { name, budget, from, to, target, step: flags.step });
  const load = scenario.load.map((s): LoadStep => (s.phases === phase ? ({ search } as unknown as LoadStep) : (s as LoadStep)));
  const own = buildThresholds({ [`search.${name}.rate`]: `>= ${target}` }, { searches: [name] }).thresholds;
  return { scenario: { ...scenario, load, thresholds: {} } as Frozen<Scenario>, thresholds: own };
}

function searchFrom(
  p: Frozen<PhasesStep>,
  o: { name: string; budget: Record<string, number>; from: number; to: number; target: number; step: number | undefined },
) {
  return {
    name: o.name,
    ...(p.target ? { target: p.target } : {}),
    ...(p.headers ? { headers: p.headers } : {}),
    ...(p.body !== undefined ? { body: p.body } : {}),
    ...(p.templates ? { templates: p.templates } : {}),
    ...(p.recipients ? { recipients: p.recipients } : {}),
    arrival: p.arrival,
    budget: o.budget,
    from: o.from,
    to: o.to,
    targetTps: o.target,
    stepDuration: o.step ?? SEARCH_DEFAULTS.stepDuration,
    cooldown: SEARCH_DEFAULTS.cooldown,
    growth: SEARCH_DEFAULTS.growth,
    resolution: SEARCH_DEFAULTS.resolution,
    maxProbes: SEARCH_DEFAULTS.maxProbes,
    delay: p.delay,
  };
}

/** The budget from the flags, else from the scenario's `http.latency.*` and `http.errors` upper bounds. */
function budgetFrom(thresholds: readonly Threshold[], flags: CapacityFlags): Record<string, number> {
  const stated: Record<string, number> = {};
  for (const t of thresholds) {
    const e = t.expression;
    if (e.comparator !== '<' && e.comparator !== '<=') continue;
    const latency = /^http\.latency\.(p50|p95|p99|avg)$/.exec(t.metric)?.[1];
    if (latency && e.kind === 'duration') stated[latency] = Math.min(stated[latency] ?? Number.POSITIVE_INFINITY, e.value);
    if (t.metric === 'http.errors' && e.kind === 'fraction') stated.errors = e.value;
  }
  const flagged = Object.fromEntries(
    (['p50', 'p95', 'p99', 'avg'] as const).flatMap((k) => (flags[k] !== undefined ? [[k, flags[k] as number]] : [])),
  );
  const latency = Object.keys(flagged).length > 0 ? flagged : Object.fromEntries(Object.entries(stated).filter(([k]) => k !== 'errors'));
  if (Object.keys(latency).length === 0)
    throw new InputError('FG_USAGE', 'floodgate capacity: no latency budget: give --budget p95=200ms or an http.latency.p95 threshold');
  return { ...latency, errors: flags.errors ?? stated.errors ?? SEARCH_DEFAULTS.errors };
}

/** `--budget "p95=200ms,errors=1%"`: each part named, each value in its unit. */
export function parseBudgetFlag(text: string | undefined): Pick<CapacityFlags, 'p50' | 'p95' | 'p99' | 'avg' | 'errors'> {
  if (text === undefined) return {};
  const out: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [key, value] = part.split('=').map((x) => x.trim());
    if (key === 'errors') out.errors = flagValue(parsePercent, `budget ${key}`, value) as number;
    else if (key === 'p50' || key === 'p95' || key === 'p99' || key === 'avg')
      out[key] = flagValue(parseDuration, `budget ${key}`, value) as number;
    else throw new InputError('FG_USAGE', `floodgate capacity: --budget: unknown bound "${key}" (p50, p95, p99, avg, errors)`);
  }
  return out;
}

function flagValue(parse: (text: string) => number, name: string, value: string | undefined): number | undefined {
  try {
    if (value === undefined) throw new Error('missing');
    return parse(value);
  } catch {
    throw new InputError('FG_USAGE', `floodgate capacity: --${name} cannot be read: "${(value ?? '').slice(0, 100)}"`);
  }
}

/** Builds `floodgate capacity` with its wiring (the embedded system, plan values). */
export function createCapacityCommand(wiring: RunWiring = RUN_WIRING): Command {
  return {
    name: 'capacity',
    summary: 'find the highest arrival rate a scenario phase holds within its latency budget',
    usage: USAGE,
    async run(argv: string[], io: CliIo): Promise<number> {
      const str = { type: 'string' } as const;
      const { values, positionals } = parseCommandArgs('capacity', argv, {
        ...{ phase: str, budget: str, from: str, to: str, step: str, target: str, scale: str, out: str },
        json: { type: 'boolean' },
      });
      const file = positionals[0];
      if (!file || positionals.length > 1) throw new InputError('FG_USAGE', 'floodgate capacity: give exactly one scenario file');
      const scale = numberFlag('capacity', 'scale', values.scale) ?? 1;
      if (!(scale > 0)) throw new InputError('FG_USAGE', `floodgate capacity: --scale must be above 0, got ${values.scale}`);
      const flags: CapacityFlags = {
        ...(values.phase ? { phase: values.phase } : {}),
        ...parseBudgetFlag(values.budget),
        ...defined({
          from: numberFlag('capacity', 'from', values.from),
          to: numberFlag('capacity', 'to', values.to),
          step: values.step === undefined ? undefined : flagValue(parseDuration, 'step', values.step),
        }),
      };
      const planValues = wiring.resolvePlanValue;
      const resolvePlanValue = planValues ? (plan: string, value: string) => planValues(resolve(io.cwd, plan), value) : undefined;
      const loaded = await loadScenario(resolve(io.cwd, file), { scale, env: io.env, ...(resolvePlanValue ? { resolvePlanValue } : {}) });
      const { scenario, thresholds } = toCapacityScenario(loaded.scenario, loaded.thresholds, flags);
      const outDir = values.out ? resolve(io.cwd, values.out) : null;
      await prepareOutDir(
        outDir ?? join(io.cwd, 'reports', loaded.scenario.name),
        outDir ? `floodgate capacity --out ${values.out}` : 'floodgate capacity',
      );
      const progress = createProgressWriter(io.stderr);
      let result: Awaited<ReturnType<typeof runScenario>>;
      try {
        result = await runScenario(
          scenario,
          scenarioRunOptions({ io, wiring, file, target: values.target }, loaded, scale, thresholds, (p) => progress.update(p)),
        );
      } finally {
        progress.done();
      }
      const root = runDirectory(io.cwd, outDir, result);
      const resultPath = await writeResultFile(root, result);
      const verdict = buildVerdict(result);
      const { paths } = await writeReportFiles(root, result, null, ['html', 'md', 'junit'], io);
      const searches = result.searches ?? [];
      if (values.json) {
        const answers = searches.map((s) => ({ name: s.name, rate: s.rate, target: s.target, headroom: s.headroom, summary: s.summary }));
        io.stdout.write(
          `${JSON.stringify({ status: verdict.status, exitCode: verdict.exitCode, searches: answers, result: resultPath, report: paths.html })}\n`,
        );
      } else {
        for (const s of searches)
          io.stdout.write(`${s.name}: ${s.summary}\n  (${s.confidence.held} held, ${s.confidence.failed} failed; ${s.note})\n`);
        io.stdout.write(`\n${renderVerdictText(verdict)}\nresult: ${resultPath}\nreport: ${paths.html}\n`);
      }
      return verdict.exitCode;
    },
  };
}

function defined<T extends Record<string, number | undefined>>(o: T): Partial<Record<keyof T, number>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, number>>;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** `floodgate capacity`. */
export const capacityCommand: Command = createCapacityCommand();
