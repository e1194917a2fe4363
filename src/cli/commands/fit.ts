import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatNumber, formatPercent, formatTps, InputError, type Issue } from '../../core/index.ts';
import { fitUsl, headroom, type UslPoint } from '../../planner/index.ts';
import { numberFlag, parseCommandArgs } from '../args.ts';
import type { Command } from '../io.ts';

const USAGE = `Usage: floodgate fit usl <points.csv> [--target TPS] [--json]

Fits the Universal Scalability Law X(N) = gamma N / (1 + alpha (N-1) + beta N (N-1)) to measured
points by bounded least squares (alpha, beta >= 0; Amdahl when beta reaches 0).

The CSV needs a header with the columns n and throughput (any order, more columns ignored):
  n,throughput
  1,64.9
  18,995.9

Options:
  --target TPS   also report the headroom against this throughput
  --json         print the fit as JSON
  -h, --help     show this help

Exit codes: 0 fitted, 4 bad input (the message names the CSV line).
`;

/** Parses `n,throughput` CSV text; every bad line is reported at once with its line number. */
export function parsePointsCsv(text: string, file: string): UslPoint[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const nAt = header.indexOf('n');
  const xAt = header.indexOf('throughput');
  if (nAt < 0 || xAt < 0) {
    throw new InputError('FG_INPUT_INVALID', `${file}: the header must name the columns n and throughput`, {
      issues: [
        { path: [], message: `header is "${lines[0] ?? ''}", expected e.g. "n,throughput"`, location: { file, line: 1, column: 1 } },
      ],
    });
  }
  const points: UslPoint[] = [];
  const issues: Issue[] = [];
  lines.slice(1).forEach((raw, i) => {
    if (raw.trim() === '') return;
    const cells = raw.split(',').map((c) => c.trim());
    const n = Number(cells[nAt]);
    const x = Number(cells[xAt]);
    if (cells[nAt] === '' || cells[xAt] === '' || !(n > 0) || !Number.isFinite(x) || x < 0) {
      issues.push({
        path: [],
        message: `"${raw}": n must be a number > 0 and throughput a number >= 0`,
        location: { file, line: i + 2, column: 1 },
      });
    } else {
      points.push({ n, x });
    }
  });
  if (issues.length === 0 && points.length < 3) {
    issues.push({ path: [], message: `${points.length} point(s): a fit needs at least 3 with distinct n`, location: { file } });
  }
  if (issues.length > 0) throw new InputError('FG_INPUT_INVALID', `${file}: ${issues.length} problem(s)`, { issues });
  return points;
}

/** `floodgate fit usl`: a USL fit from a CSV of measured points. */
export const fitCommand: Command = {
  name: 'fit',
  summary: 'fit the Universal Scalability Law to measured (n, throughput) points',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('fit', argv, { json: { type: 'boolean' }, target: { type: 'string' } });
    const [model, file, ...extra] = positionals;
    if (model !== 'usl' || file === undefined || extra.length > 0) {
      throw new InputError('FG_USAGE', 'floodgate fit: usage is floodgate fit usl <points.csv> (see floodgate fit --help)');
    }
    const target = numberFlag('fit', 'target', values.target);
    if (target !== undefined && !(target > 0)) throw new InputError('FG_USAGE', `floodgate fit: --target must be > 0, got ${target}`);
    let text: string;
    try {
      text = await readFile(resolve(io.cwd, file), 'utf8');
    } catch (error) {
      throw new InputError(
        'FG_FILE_NOT_FOUND',
        `${file}: cannot read (${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message})`,
      );
    }
    const points = parsePointsCsv(text, file);
    let fit: ReturnType<typeof fitUsl>;
    try {
      fit = fitUsl(points);
    } catch (error) {
      throw new InputError('FG_INPUT_INVALID', `${file}: ${(error as Error).message}`);
    }
    const room = target === undefined ? null : headroom(fit, target);
    if (values.json) {
      const safe = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);
      io.stdout.write(`${JSON.stringify({ points, fit, headroom: room }, safe, 2)}\n`);
      return 0;
    }
    const rows: [string, string][] = [
      ['model', fit.model === 'usl' ? 'USL' : 'Amdahl (beta = 0)'],
      ['alpha', fit.alpha.toPrecision(4)],
      ['beta', fit.beta.toPrecision(4)],
      ['gamma', formatTps(fit.gamma)],
      ['N peak', fit.nPeak === null ? 'none' : formatNumber(fit.nPeak, 2)],
      ['X peak', fit.xPeak === null ? '-' : formatTps(fit.xPeak)],
      ['X roof', fit.xRoof === null ? '-' : formatTps(fit.xRoof)],
      ['R²', formatNumber(fit.rSquared, 4)],
    ];
    if (room) {
      const at = room.concurrencyForTarget === null ? 'out of reach' : `reached at N = ${formatNumber(room.concurrencyForTarget, 1)}`;
      rows.push([`headroom vs ${formatTps(room.targetTps)}`, `${room.meets ? '' : '[FAIL] '}${formatPercent(room.headroom, 1)}  ${at}`]);
    }
    const width = Math.max(...rows.map(([k]) => k.length));
    io.stdout.write(`USL fit of ${points.length} points from ${file}\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n`);
    return 0;
  },
};
