import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { InputError, systemClock } from '../../core/index.ts';
import { evaluateThresholds } from '../../gate/index.ts';
import { defaultRunDir, runScenario, writeResultFile } from '../../runner/index.ts';
import { numberFlag, parseCommandArgs } from '../args.ts';
import type { CliIo, Command } from '../io.ts';
import { loadScenario } from '../run/load-scenario.ts';
import { createProgressWriter } from '../run/progress.ts';
import { RUN_WIRING, type RunWiring } from '../run/wiring.ts';
import { VERSION } from '../version.ts';

const USAGE = `Usage: floodgate run <scenario.yaml> [options]

Starts what the scenario says (or uses --target), drives its load, tracks its campaigns,
and writes reports/<scenario>/<timestamp>/result.json.

Options:
  --target URL   the system under test (overrides system.dispatcher)
  --scale F      shrink counts and durations by F, keep rates (e.g. 0.01)
  --out DIR      write result.json into DIR instead of reports/<scenario>/<timestamp>
  --json         print a JSON summary on stdout instead of the verdict line
  -h, --help     this text

Exit codes: 0 pass, 1 thresholds failed, 3 run invalid (target unreachable, generator
saturated, aborted), 4 bad scenario or arguments.
`;

function gitCommit(cwd: string): string | null {
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 })
        .toString()
        .trim() || null
    );
  } catch {
    return null;
  }
}

/** Builds the `run` command with its wiring (the embedded system, the USL fit, plan values). */
export function createRunCommand(wiring: RunWiring = RUN_WIRING): Command {
  return {
    name: 'run',
    summary: 'run a scenario: open-model load, sweeps, campaigns; write result.json',
    usage: USAGE,
    async run(argv: string[], io: CliIo): Promise<number> {
      const { values, positionals } = parseCommandArgs('run', argv, {
        target: { type: 'string' },
        scale: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
      });
      const file = positionals[0];
      if (!file || positionals.length > 1)
        throw new InputError('FG_USAGE', 'floodgate run: give exactly one scenario file (see floodgate run --help)');
      const scale = numberFlag('run', 'scale', values.scale) ?? 1;
      if (!(scale > 0)) throw new InputError('FG_USAGE', `floodgate run: --scale must be above 0, got ${values.scale}`);
      if (values.target !== undefined && !/^https?:\/\/[^/]+/.test(values.target)) {
        throw new InputError('FG_USAGE', `floodgate run: --target must be an http(s) URL, got "${values.target}"`);
      }
      const path = resolve(io.cwd, file);
      // Plan files are named relative to the working directory, like the scenario itself.
      const planValues = wiring.resolvePlanValue;
      const resolvePlanValue = planValues ? (plan: string, value: string) => planValues(resolve(io.cwd, plan), value) : undefined;
      const loaded = await loadScenario(path, { scale, ...(resolvePlanValue ? { resolvePlanValue } : {}) });
      const progress = createProgressWriter(io.stderr);
      let result: Awaited<ReturnType<typeof runScenario>>;
      try {
        result = await runScenario(loaded.scenario, {
          clock: systemClock,
          signal: io.signal,
          meta: { toolVersion: VERSION, gitCommit: gitCommit(io.cwd), scenarioFile: file, scenarioHash: loaded.hash, scale },
          ...(values.target ? { target: values.target } : {}),
          ...(wiring.startEmbedded ? { startEmbedded: wiring.startEmbedded } : {}),
          ...(wiring.fit ? { fit: wiring.fit } : {}),
          evaluate: (r) => evaluateThresholds(loaded.thresholds, r),
          cpuUsage: () => process.cpuUsage(),
          onProgress: (p) => progress.update(p),
        });
      } finally {
        progress.done();
      }
      const dir = values.out ? resolve(io.cwd, values.out) : defaultRunDir(io.cwd, result);
      const written = await writeResultFile(dir, result);
      if (values.json) {
        const { status, exitCode, reasons } = result.verdict;
        io.stdout.write(`${JSON.stringify({ status, exitCode, validity: result.validity, result: written, reasons })}\n`);
      } else {
        const label = result.meta.aborted ? 'ABORTED' : result.verdict.status.toUpperCase();
        io.stdout.write(
          `${label} (${result.validity.verdict}) ${loaded.scenario.name}: ${result.http.requests} requests, ${result.campaigns.length} campaign(s), ${result.sweeps.length} sweep(s)\n`,
        );
        for (const reason of result.verdict.reasons) io.stdout.write(`  - ${reason}\n`);
        for (const t of result.thresholds) io.stdout.write(`  ${t.ok ? 'ok  ' : 'FAIL'} ${t.message}\n`);
        io.stdout.write(`result: ${written}\n`);
      }
      return result.verdict.exitCode;
    },
  };
}

/** `floodgate run`. */
export const runCommand: Command = createRunCommand();
