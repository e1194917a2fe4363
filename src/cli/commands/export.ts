import { writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ExitCode, InputError } from '../../core/index.ts';
import { renderK6Script, renderK6TestRun, toK8sName } from '../../export/index.ts';
import { numberFlag, parseCommandArgs } from '../args.ts';
import type { Command } from '../io.ts';
import { prepareOutDir } from '../out-dir.ts';
import { loadScenario } from '../run/load-scenario.ts';
import { RUN_WIRING } from '../run/wiring.ts';
import { VERSION } from '../version.ts';

const USAGE = `Usage: floodgate export k6 <scenario.yaml> [--out DIR] [--parallelism N] [--scale F]

Writes a k6 script (<name>.k6.js: ramping-arrival-rate stages, request templates, thresholds
mapped to k6's) and a k6-operator TestRun manifest (floodgate-<name>.testrun.yaml), for runs across
many machines. Run the script with \`k6 run -e BASE_URL=http://your-dispatcher <name>.k6.js\`
(MOCKS_URL=<floodgate mock URL> fills the provider figures), then
\`floodgate import k6 summary.json\` and \`floodgate gate\` on the result.

Options:
  --out DIR          where to write (default: reports/<scenario>/k6/)
  --parallelism N    k6 pods in the TestRun (default 1)
  --scale F          shrink counts and durations by F first, as \`floodgate run --scale\`
  -h, --help         this text

Exit codes: 0 written, 4 bad scenario or arguments.
`;

/** `floodgate export k6`: a scenario as a k6 script and a k6-operator TestRun. */
export const exportCommand: Command = {
  name: 'export',
  summary: 'write a k6 script and a k6-operator TestRun from a scenario (floodgate export k6 <scenario.yaml>)',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('export', argv, {
      out: { type: 'string' },
      parallelism: { type: 'string' },
      scale: { type: 'string' },
    });
    const [engine, file, ...extra] = positionals;
    if (engine !== 'k6') throw new InputError('FG_USAGE', `floodgate export: unknown engine "${engine ?? ''}"; only k6 is supported`);
    if (!file || extra.length > 0) throw new InputError('FG_USAGE', 'floodgate export k6: give exactly one scenario file');
    const parallelism = numberFlag('export', 'parallelism', values.parallelism) ?? 1;
    if (!(Number.isInteger(parallelism) && parallelism >= 1)) {
      throw new InputError('FG_USAGE', `floodgate export: --parallelism must be a whole number of at least 1, got ${values.parallelism}`);
    }
    const scale = numberFlag('export', 'scale', values.scale) ?? 1;
    if (!(scale > 0)) throw new InputError('FG_USAGE', `floodgate export: --scale must be above 0, got ${values.scale}`);
    const planValues = RUN_WIRING.resolvePlanValue;
    // Plan files are named relative to the working directory, as in `floodgate run`.
    const resolvePlanValue = planValues ? (plan: string, value: string) => planValues(resolve(io.cwd, plan), value) : undefined;
    const { scenario } = await loadScenario(resolve(io.cwd, file), {
      scale,
      env: io.env,
      ...(resolvePlanValue ? { resolvePlanValue } : {}),
    });
    const outDir = resolve(io.cwd, values.out ?? join('reports', scenario.name, 'k6'));
    const scriptFile = `${scenario.name}.k6.js`;
    const manifestFile = `${toK8sName(`floodgate-${scenario.name}`)}.testrun.yaml`;
    await prepareOutDir(outDir, values.out ? `floodgate export --out ${values.out}` : 'floodgate export');
    await writeFile(join(outDir, scriptFile), renderK6Script(scenario, { file, toolVersion: VERSION }));
    await writeFile(join(outDir, manifestFile), renderK6TestRun(scenario, { parallelism, scriptFile: basename(scriptFile) }));
    io.stdout.write(`k6 script: ${join(outDir, scriptFile)}\nTestRun:   ${join(outDir, manifestFile)} (parallelism ${parallelism})\n`);
    return ExitCode.Pass;
  },
};
