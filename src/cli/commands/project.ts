import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfigFile, parseYamlSource } from '../../config/index.ts';
import { PlanSchema } from '../../config/plan-schema.ts';
import { InputError, type Result } from '../../core/index.ts';
import { evaluateProjectedThresholds, readResultFile, type Threshold } from '../../gate/index.ts';
import { buildPlan, buildProjection, type GrowthReport, type Projection } from '../../planner/index.ts';
import { renderProjectionHtml, renderProjectionMarkdown, renderProjectionText } from '../../report/projection.ts';
import { runScenario, writeResultFile } from '../../runner/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { CliIo, Command } from '../io.ts';
import { prepareOutDir } from '../out-dir.ts';
import { type LoadedScenario, loadScenario } from '../run/load-scenario.ts';
import { createProgressWriter } from '../run/progress.ts';
import { scenarioRunOptions } from '../run/run-options.ts';
import { RUN_WIRING, type RunWiring } from '../run/wiring.ts';

const USAGE = `Usage: floodgate project <scenario.yaml> --scales 0.01,0.03,0.05,0.1 [options]

Runs the scenario once at each scale (each a normal run, exactly as \`floodgate run --scale\`),
then fits how each campaign's drain time and each monitored series' peak (heap, RSS: the
scenario's monitors) grow with recipients: flat, linear or worse than linear, with R² and the
slope's 95% confidence interval. Projects each figure to full size (scale 1) and, when a plan is
named, to the plan's growth horizon and target audience, and judges \`projected.*\` thresholds:
  projected.dispatcher.heap.max: "< 256MiB"
  projected.campaign.<name>.drainTime: "< 45m"
Writes into reports/<scenario>/projection-<timestamp>/ (or --out): scale-<s>/result.json per run,
projection.json, projection.md, projection.html, and result.json (the largest run's result with
the projection under \`projection\`).

Options:
  --scales LIST    3 or more distinct scales, comma-separated (4 or more recommended), e.g. 0.01,0.03,0.05,0.1
  --results LIST   instead of running: fit these result.json files of the scenario (comma-separated),
                   e.g. runs made one by one against a dispatcher restarted between them
  --warmup         first run the smallest scale once and discard it: a process's first run
                   (cold code, young heap) peaks lower than its later ones
  --plan FILE      the capacity plan whose growth to project to (default: the one plan the
                   scenario's rates reference, if any)
  --target URL     your own dispatcher (as floodgate run --target)
  --mocks URL      a long-lived \`floodgate mock\` (as floodgate run --mocks)
  --out DIR        write into DIR
  --json           print projection.json's content on stdout instead of the text summary
  -h, --help       this text

Exit codes: 0 pass, 1 a projected threshold or a run failed, 3 a run was invalid, 4 bad
scenario or arguments.
`;

/** Fewer points than this leave a line with no degrees of freedom for its slope's interval. */
const MIN_SCALES = 3;

function parseScales(value: string | undefined): number[] {
  if (value === undefined) throw new InputError('FG_USAGE', 'floodgate project: --scales is required, e.g. --scales 0.01,0.03,0.05,0.1');
  const scales = value.split(',').map((s) => Number(s.trim()));
  const bad = scales.find((s) => !(s > 0) || !Number.isFinite(s));
  if (bad !== undefined) throw new InputError('FG_USAGE', `floodgate project: --scales must be numbers above 0, got "${value}"`);
  const distinct = [...new Set(scales)].sort((a, b) => a - b);
  if (distinct.length < MIN_SCALES)
    throw new InputError(
      'FG_USAGE',
      `floodgate project: --scales needs ${MIN_SCALES} or more distinct scales to fit a slope and its interval, got "${value}"`,
    );
  return distinct;
}

/** The one plan file the scenario's rates reference (`rate: { plan: ..., value: ... }`), or null. */
async function referencedPlan(path: string): Promise<string | null> {
  const source = parseYamlSource(await readFile(path, 'utf8'), path);
  const plans = new Set<string>();
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.plan === 'string' && typeof o.value === 'string') plans.add(o.plan);
      Object.values(o).forEach(walk);
    }
  };
  walk(source.data);
  return plans.size === 1 ? ([...plans][0] as string) : null;
}

async function planGrowth(cwd: string, plan: string | null): Promise<GrowthReport | null> {
  if (plan === null) return null;
  return buildPlan(await loadConfigFile(PlanSchema, resolve(cwd, plan))).growth;
}

/** The result files given with --results, sorted by scale; each must be a run of one scenario. */
async function readResults(cwd: string, list: string): Promise<{ result: Result; file: string }[]> {
  const files = list.split(',').map((f) => resolve(cwd, f.trim()));
  const results = await Promise.all(files.map(async (file) => ({ result: await readResultFile(file), file })));
  const names = new Set(results.map((r) => r.result.meta.scenario.name));
  if (names.size > 1) throw new InputError('FG_USAGE', `floodgate project: --results mixes scenarios (${[...names].join(', ')})`);
  return results.sort((a, b) => a.result.meta.scale - b.result.meta.scale);
}

/** Series whose metric ends in `_bytes` are sizes (heap, RSS). */
function seriesUnits(loaded: LoadedScenario): Record<string, 'bytes' | 'number'> {
  const units: Record<string, 'bytes' | 'number'> = {};
  for (const m of loaded.scenario.monitors.prometheus) {
    for (const entry of m.series) {
      const [metric, as] = typeof entry === 'string' ? [entry, entry] : [entry.metric, entry.as];
      units[m.name ? `${m.name}.${as}` : as] = metric.endsWith('_bytes') ? 'bytes' : 'number';
    }
  }
  return units;
}

/** Options every run shares (the command's flags and wiring). */
interface RunContext {
  io: CliIo;
  wiring: RunWiring;
  file: string;
  target?: string | undefined;
  mocks?: string | undefined;
}

async function runAtScale(ctx: RunContext, loaded: LoadedScenario, scale: number): Promise<Result> {
  const { io } = ctx;
  const progress = createProgressWriter(io.stderr);
  try {
    return await runScenario(
      loaded.scenario,
      scenarioRunOptions(ctx, loaded, scale, loaded.thresholds, (p) => progress.update(p)),
    );
  } finally {
    progress.done();
  }
}

/** Writes projection.json/.md/.html and the top-level result.json; returns their paths. */
async function writeProjection(dir: string, projection: Projection, largest: Result): Promise<Record<string, string>> {
  const paths = {
    projection: join(dir, 'projection.json'),
    markdown: join(dir, 'projection.md'),
    html: join(dir, 'projection.html'),
    result: join(dir, 'result.json'),
  };
  await mkdir(dir, { recursive: true });
  await writeFile(paths.projection, `${JSON.stringify(projection, null, 2)}\n`);
  await writeFile(paths.markdown, renderProjectionMarkdown(projection));
  await writeFile(paths.html, await renderProjectionHtml(projection));
  await writeFile(paths.result, `${JSON.stringify({ ...largest, projection }, null, 2)}\n`);
  return paths;
}

/** Builds the `project` command with its wiring (the embedded system, plan values). */
export function createProjectCommand(wiring: RunWiring = RUN_WIRING): Command {
  return {
    name: 'project',
    summary: 'run a scenario at several scales and project drain time and memory to full size and the plan horizon',
    usage: USAGE,
    async run(argv: string[], io: CliIo): Promise<number> {
      const { values, positionals } = parseCommandArgs('project', argv, {
        scales: { type: 'string' },
        results: { type: 'string' },
        warmup: { type: 'boolean' },
        plan: { type: 'string' },
        target: { type: 'string' },
        mocks: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
      });
      const file = positionals[0];
      if (!file || positionals.length > 1)
        throw new InputError('FG_USAGE', 'floodgate project: give exactly one scenario file (see floodgate project --help)');
      if ((values.scales === undefined) === (values.results === undefined))
        throw new InputError('FG_USAGE', 'floodgate project: give exactly one of --scales (run them) or --results (fit runs already made)');
      const given = values.results ? await readResults(io.cwd, values.results) : null;
      const scales = given ? parseScales(given.map((g) => String(g.result.meta.scale)).join(',')) : parseScales(values.scales);
      const path = resolve(io.cwd, file);
      const planValues = wiring.resolvePlanValue;
      const resolvePlanValue = planValues ? (plan: string, value: string) => planValues(resolve(io.cwd, plan), value) : undefined;
      const load = (scale: number) => loadScenario(path, { scale, env: io.env, ...(resolvePlanValue ? { resolvePlanValue } : {}) });
      // Scale 1 first: every problem is reported before any run, and it gives full-size recipients.
      const full = await load(1);
      const fullRecipients = Object.fromEntries(
        full.scenario.load.flatMap((s) => (s.campaign ? [[s.campaign.name as string, s.campaign.recipients]] : [])),
      );
      if (Object.keys(fullRecipients).length === 0)
        throw new InputError(
          'FG_USAGE',
          'floodgate project: the scenario has no campaign step; projection fits figures against recipients',
        );
      const stranger = given?.find((g) => g.result.meta.scenario.name !== full.scenario.name);
      if (stranger)
        throw new InputError(
          'FG_USAGE',
          `floodgate project: ${stranger.file} is a run of ${stranger.result.meta.scenario.name}, not ${full.scenario.name}`,
        );
      const plan = values.plan ?? (await referencedPlan(path));
      const growth = await planGrowth(io.cwd, plan);
      const ctx: RunContext = { io, wiring, file, target: values.target, mocks: values.mocks };
      const results: { result: Result; file: string }[] = given ?? [];
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const dir = values.out ? resolve(io.cwd, values.out) : join(io.cwd, 'reports', full.scenario.name, `projection-${stamp}`);
      await prepareOutDir(dir, values.out ? `floodgate project --out ${values.out}` : 'floodgate project');
      let thresholds: Threshold[] = full.thresholds;
      if (values.warmup && !given) {
        io.stderr.write(`warm-up at scale ${scales[0]} (not fitted)\n`);
        await runAtScale(ctx, await load(scales[0] as number), scales[0] as number);
      }
      // Smallest first: on a long-lived target, garbage a run leaves for V8 to collect later is
      // then never larger than what the next (larger) run holds itself.
      for (const scale of given ? [] : scales) {
        if (io.signal.aborted) break;
        io.stderr.write(`scale ${scale}\n`);
        const loaded = await load(scale);
        thresholds = loaded.thresholds;
        const result = await runAtScale(ctx, loaded, scale);
        results.push({ result, file: await writeResultFile(join(dir, `scale-${scale}`), result) });
        io.stderr.write(`scale ${scale}: ${result.verdict.status.toUpperCase()}\n`);
      }
      if (results.length < MIN_SCALES) throw new InputError('FG_USAGE', 'floodgate project: stopped before enough runs to fit');
      const projection = buildProjection({
        scenario: full.scenario.name,
        plan,
        results,
        fullRecipients,
        growth,
        seriesUnits: seriesUnits(full),
        judge: (lookup) => evaluateProjectedThresholds(thresholds, lookup),
      });
      const paths = await writeProjection(dir, projection, (results[results.length - 1] as { result: Result }).result);
      if (values.json) io.stdout.write(`${JSON.stringify(projection)}\n`);
      else
        io.stdout.write(
          `${renderProjectionText(projection)}\nprojection: ${paths.projection}\nreport: ${paths.html}\nsummary: ${paths.markdown}\n`,
        );
      return projection.status === 'invalid' ? 3 : projection.status === 'fail' ? 1 : 0;
    },
  };
}

/** `floodgate project`. */
export const projectCommand: Command = createProjectCommand();
