import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip, gunzipSync } from 'node:zlib';
import { ExitCode, InputError, InternalError, Result } from '../../core/index.ts';
import { createK6SampleReader, detectK6SampleFormat, importK6Run, type K6InputFile, type K6StreamedSamples } from '../../export/index.ts';
import { createLatencyHistogram } from '../../stats/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../io.ts';
import { prepareOutDir } from '../out-dir.ts';
import { VERSION } from '../version.ts';

const USAGE = `Usage: floodgate import k6 <summary.json | DIR>... [--out DIR] [--scenario NAME]

Turns k6's end-of-test summary into a floodgate result.json that \`floodgate gate\` reads, so a
run on many machines (k6, k6-operator) is gated the same way as \`floodgate run\`.

Accepts the JSON of \`k6 run --summary-export=FILE\` or of \`handleSummary(data)\` returning
JSON.stringify(data). k6 measures latency from the actual send, so the result records it as
not corrected for coordinated omission (validity DEGRADED, with the reason).

Several files, or directories of them, are the pods of one k6-operator run (parallelism N) and
merge into one result: counts summed, rates = summed counts over the run's wall window (the
longest pod's duration), error rates from the summed passes/fails. Latency percentiles are
exact only if each pod's \`k6 run --out json=FILE\` or \`--out csv=FILE\` (gzipped or not) is given
too: their http_req_duration samples merge into one histogram. Otherwise they are BOUNDS (a
percentile of the merge lies between the least and greatest of the pods'), labelled so in the
result, which records each upper bound. Files are recognised by their content.

Options:
  --out DIR        where to write result.json (default: reports/<scenario>/<timestamp>-k6/)
  --scenario NAME  the scenario name to record (default: the summary file's or directory's base name)

Exit codes: 0 imported, 4 a file is missing or not k6 output, a directory holds none, or the
summaries are not the pods of one run (different thresholds or summary settings).
`;

/** \`floodgate import k6 <summary.json | DIR>...\`: one or every pod's k6 output in, a gateable result.json out. */
export const importCommand: Command = {
  name: 'import',
  summary: "turn k6 end-of-test summaries (one, or every pod's) into a result the gate reads (floodgate import k6 <summary.json|DIR>...)",
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('import', argv, {
      out: { type: 'string' },
      scenario: { type: 'string' },
    });
    const [engine, ...args] = positionals;
    if (engine !== 'k6') throw new InputError('FG_USAGE', `floodgate import: unknown source "${engine ?? ''}"; only \`k6\` is supported`);
    if (args.length === 0) throw new InputError('FG_USAGE', 'floodgate import k6: expects one or more summary files or directories');
    const files = await listK6Inputs(io.cwd, args);
    const streamed: K6StreamedSamples = { histogram: createLatencyHistogram(), files: [] };
    const inputs: K6InputFile[] = [];
    for (const file of files) {
      const text = await readOrStream(file, resolve(io.cwd, file), streamed);
      if (text === null) (streamed.files as string[]).push(file);
      else inputs.push({ file, text });
    }
    const label = args.length === 1 ? (args[0] as string) : args.join(' ');
    const result = importK6Run(
      inputs,
      {
        file: label,
        toolVersion: VERSION,
        endedAt: await latestMtime(io.cwd, files),
        ...(values.scenario === undefined ? {} : { scenario: values.scenario }),
      },
      streamed,
    );
    const checked = Result.safeParse(result);
    if (!checked.success) throw new InternalError(`the imported result does not match the result schema: ${checked.error.message}`);
    const stamp = result.meta.endedAt.replace(/[:.]/g, '-');
    const outDir = resolve(io.cwd, values.out ?? join('reports', result.meta.scenario.name, `${stamp}-k6`));
    await prepareOutDir(outDir, values.out ? `floodgate import --out ${values.out}` : 'floodgate import');
    const outFile = join(outDir, 'result.json');
    await writeFile(outFile, `${JSON.stringify(result, null, 2)}\n`);
    const h = result.http;
    const bounded = result.validity.reasons.some((r) => r.startsWith('latency percentiles are BOUNDS'));
    const p95 =
      h.latencyRaw.p95 === null ? '-' : `${bounded ? '<= ' : ''}${Math.round(h.latencyRaw.p95 * 10) / 10}ms${bounded ? ' (bound)' : ''}`;
    const source = files.length === 1 ? (files[0] ?? label) : `${files.length} files`;
    io.stdout.write(
      `imported ${source}: ${h.requests} requests, ${sumValues(h.errors)} failed, ${h.dropped} dropped, ` +
        `p95 ${p95}; k6 thresholds ${result.verdict.status}\n` +
        `validity ${result.validity.verdict}: ${result.validity.reasons[0]}\n` +
        result.validity.reasons
          .filter((r) => r.startsWith('merged ') || r.startsWith('latency percentiles'))
          .map((r) => `  ${r}\n`)
          .join('') +
        `${outFile}\n`,
    );
    return ExitCode.Pass;
  },
};

/** k6's summary carries no timestamps: the newest input's mtime stands for when the run ended. */
async function latestMtime(cwd: string, files: readonly string[]): Promise<Date> {
  const times = await Promise.all(files.map((f) => stat(resolve(cwd, f)).then((s) => s.mtime.getTime())));
  return new Date(Math.max(...times));
}

function sumValues(record: Readonly<Record<string, number>>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

/** The files k6 writes that `import k6` reads from a directory: summaries and sample outputs, maybe gzipped. */
const K6_FILE = /\.(json|ndjson|csv)(\.gz)?$|\.gz$/i;

/**
 * Reads `floodgate import k6`'s arguments: files, or directories whose k6 files (by extension,
 * not recursing) are taken in name order, as a shared volume of `summary-$HOSTNAME.json` holds
 * them. A missing file or a directory with no k6 file is an {@link InputError} naming it.
 */
async function listK6Inputs(cwd: string, args: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const arg of args) {
    const path = resolve(cwd, arg);
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new InputError('FG_FILE_NOT_FOUND', `${arg}: cannot be read (${error.code ?? 'error'})`);
    });
    if (!info.isDirectory()) {
      files.push(arg);
      continue;
    }
    const entries = await readdir(path, { withFileTypes: true });
    const found = entries
      .filter((e) => e.isFile() && K6_FILE.test(e.name))
      .map((e) => e.name)
      .sort();
    if (found.length === 0)
      throw new InputError(
        'FG_INPUT_INVALID',
        `${arg}: no k6 output in the directory (expected each pod's summary, e.g. summary-<pod>.json, and optionally its --out json/csv file)`,
      );
    for (const name of found) files.push(relative(cwd, join(path, name)) || name);
  }
  const seen = new Set<string>();
  for (const file of files) {
    const path = resolve(cwd, file);
    if (seen.has(path)) throw new InputError('FG_INPUT_INVALID', `${file}: given twice; one pod's output would be counted twice`);
    seen.add(path);
  }
  return files;
}

/**
 * A sample output (recognised by its first line) streams line by line into `streamed.histogram`
 * and returns null: one can be hundreds of MB. Anything else is read whole and returned.
 */
async function readOrStream(file: string, path: string, streamed: K6StreamedSamples): Promise<string | null> {
  const gzipped = await isGzip(file, path);
  const raw = createReadStream(path);
  const source = gzipped ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    const iterator = lines[Symbol.asyncIterator]();
    const first = await iterator.next();
    const format = first.done ? null : detectK6SampleFormat(first.value);
    if (!format) return await readText(file, path);
    const reader = createK6SampleReader(file, format, streamed.histogram);
    reader.line(first.value as string);
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) reader.line(next.value);
    reader.done();
    return null;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError('FG_INPUT_INVALID', `${file}: cannot be read (${(error as Error).message})`);
  } finally {
    lines.close();
    raw.destroy();
  }
}

async function isGzip(file: string, path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'r');
    try {
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
      return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new InputError('FG_FILE_NOT_FOUND', `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

async function readText(file: string, path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new InputError('FG_FILE_NOT_FOUND', `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  // k6 gzips its sample outputs when the file name ends in .gz (`--out json=samples.gz`).
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes.toString('utf8');
  try {
    return gunzipSync(bytes).toString('utf8');
  } catch (error) {
    throw new InputError('FG_INPUT_INVALID', `${file}: a damaged gzip file (${(error as Error).message})`);
  }
}
