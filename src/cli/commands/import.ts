import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ExitCode, InputError, InternalError, Result } from '../../core/index.ts';
import { importK6Summary } from '../../export/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../io.ts';
import { VERSION } from '../version.ts';

const USAGE = `Usage: floodgate import k6 <summary.json> [--out DIR] [--scenario NAME]

Turns k6's end-of-test summary into a floodgate result.json that \`floodgate gate\` reads, so a
run on many machines (k6, k6-operator) is gated the same way as \`floodgate run\`.

Accepts the JSON of \`k6 run --summary-export=FILE\` or of \`handleSummary(data)\` returning
JSON.stringify(data). k6 measures latency from the actual send, so the result records it as
not corrected for coordinated omission (validity DEGRADED, with the reason).

Options:
  --out DIR        where to write result.json (default: reports/<scenario>/<timestamp>-k6/)
  --scenario NAME  the scenario name to record (default: the summary file's base name)

Exit codes: 0 imported, 4 the file is not a k6 summary.
`;

/** `floodgate import k6 <summary.json>`: a k6 summary in, a gateable result.json out. */
export const importCommand: Command = {
  name: 'import',
  summary: 'turn a k6 end-of-test summary into a result the gate reads (floodgate import k6 <summary.json>)',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('import', argv, {
      out: { type: 'string' },
      scenario: { type: 'string' },
    });
    const [engine, file, ...extra] = positionals;
    if (engine !== 'k6') throw new InputError('FG_USAGE', `floodgate import: unknown source "${engine ?? ''}"; only \`k6\` is supported`);
    if (!file || extra.length > 0) throw new InputError('FG_USAGE', 'floodgate import k6: expects exactly one summary file');
    const path = resolve(io.cwd, file);
    let text: string;
    let mtime: Date;
    try {
      [text, mtime] = await Promise.all([readFile(path, 'utf8'), stat(path).then((s) => s.mtime)]);
    } catch (error) {
      throw new InputError('FG_FILE_NOT_FOUND', `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const result = importK6Summary(text, {
      file,
      toolVersion: VERSION,
      endedAt: mtime,
      ...(values.scenario === undefined ? {} : { scenario: values.scenario }),
    });
    const checked = Result.safeParse(result);
    if (!checked.success) throw new InternalError(`the imported result does not match the result schema: ${checked.error.message}`);
    const stamp = result.meta.endedAt.replace(/[:.]/g, '-');
    const outDir = resolve(io.cwd, values.out ?? join('reports', result.meta.scenario.name, `${stamp}-k6`));
    await mkdir(outDir, { recursive: true });
    const outFile = join(outDir, 'result.json');
    await writeFile(outFile, `${JSON.stringify(result, null, 2)}\n`);
    const h = result.http;
    io.stdout.write(
      `imported ${file}: ${h.requests} requests, ${sumValues(h.errors)} failed, ${h.dropped} dropped, ` +
        `p95 ${h.latencyRaw.p95 === null ? '-' : `${Math.round(h.latencyRaw.p95 * 10) / 10}ms`}; k6 thresholds ${result.verdict.status}\n` +
        `validity ${result.validity.verdict}: ${result.validity.reasons[0]}\n${outFile}\n`,
    );
    return ExitCode.Pass;
  },
};

function sumValues(record: Readonly<Record<string, number>>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}
