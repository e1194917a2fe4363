import type { Result, ThresholdOutcome } from '../core/index.ts';
import { InputError } from '../core/index.ts';
import { createLatencyHistogram, type LatencyHistogram } from '../stats/index.ts';
import { baseName, buildK6Result, importK6Summary, type K6ImportOptions, sha256 } from './k6-import.ts';
import { type K6Bound, type K6Pod, type MergedK6, mergeK6Summaries } from './k6-merge.ts';
import { detectK6SampleFormat, type K6SampleFormat, readK6Samples } from './k6-samples.ts';
import { parseK6Summary } from './k6-summary.ts';

/** One input file's path (for messages) and text. */
export interface K6InputFile {
  file: string;
  text: string;
}

/**
 * `floodgate import k6` over any number of files: the end-of-test summaries of every pod of a run
 * and, optionally, their `--out json` / `--out csv` sample outputs, in any order (each file is
 * recognised by its content). One summary alone is imported as {@link importK6Summary} does.
 *
 * Latency percentiles are exact when sample outputs are given for every pod (their
 * `http_req_duration` samples merged into one histogram, whose count must equal the summaries'
 * request count); otherwise they are bounds (see `k6-merge.ts`), said so in the validity reasons
 * and judged by thresholds only where both bounds agree. `options.file` labels the whole set.
 */
export function importK6Run(inputs: readonly K6InputFile[], options: K6ImportOptions, streamed?: K6StreamedSamples): Result {
  const pods: (K6Pod & { text: string })[] = [];
  const samples: (K6InputFile & { format: K6SampleFormat })[] = [];
  for (const input of inputs) {
    const format = detectK6SampleFormat(input.text);
    if (format) samples.push({ ...input, format });
    else pods.push({ file: input.file, text: input.text, summary: parseK6Summary(input.text, input.file) });
  }
  refuseTwins(pods);
  const sampleFiles = [...samples.map((s) => s.file), ...(streamed?.files ?? [])];
  if (pods.length === 0) {
    const first = samples[0];
    const hint = first ? `: ${first.file} is \`k6 run --out ${first.format}=...\` sample output, not a summary` : '';
    throw new InputError(
      'FG_INPUT_INVALID',
      `floodgate import k6: no end-of-test summary among the inputs${hint || streamedHint(streamed)}`,
    );
  }
  const [only] = pods;
  // One summary alone imports as it always has; named after the argument (a directory's name, say).
  if (pods.length === 1 && sampleFiles.length === 0 && only)
    return importK6Summary(only.text, { ...options, file: only.file, scenario: options.scenario ?? baseName(options.file) });

  const merged = mergeK6Summaries(pods);
  let exact: LatencyHistogram | undefined;
  if (sampleFiles.length > 0) {
    exact = streamed?.histogram ?? createLatencyHistogram();
    for (const s of samples) readK6Samples(s.text, s.file, s.format, exact);
    checkSampleCount(exact, sampleFiles, merged);
  }
  const notes = pods.length > 1 ? [...merged.notes] : [];
  notes.push(exact ? exactNote(exact, sampleFiles.length) : boundsNote(merged));
  return buildK6Result(merged.summary, {
    ...options,
    // The summaries identify the run; sample outputs can be hundreds of MB and add nothing to it.
    hash: sha256(pods.map((p) => p.text).join('\n')),
    format: merged.summary.format,
    notes,
    thresholds: mergedThresholds(pods, merged, exact),
    ...(exact ? { latency: exact.toSummary() } : {}),
  });
}

/** Sample outputs the caller already streamed into one histogram (see `createK6SampleReader`). */
export interface K6StreamedSamples {
  histogram: LatencyHistogram;
  files: readonly string[];
}

function streamedHint(streamed: K6StreamedSamples | undefined): string {
  const first = streamed?.files[0];
  return first ? `: ${first} is k6 sample output (\`k6 run --out json=...\` or \`--out csv=...\`), not a summary` : '';
}

/**
 * The same summary given twice (a directory and one of its files, a copy) would be counted
 * twice. A sample output given twice is caught by the sample count instead.
 */
function refuseTwins(pods: readonly (K6Pod & { text: string })[]): void {
  const seen = new Map<string, string>();
  for (const pod of pods) {
    const twin = seen.get(pod.text);
    if (twin !== undefined)
      throw new InputError(
        'FG_INPUT_INVALID',
        `${pod.file}: the same content as ${twin}; one pod's summary given twice would be counted twice`,
      );
    seen.set(pod.text, pod.file);
  }
}

/** Exact only if the samples are every pod's: their count must be the summaries' request count. */
function checkSampleCount(histogram: LatencyHistogram, files: readonly string[], merged: MergedK6): void {
  const m = merged.summary.metrics;
  const expected = m.get('http_req_duration')?.values.count ?? m.get('http_reqs')?.values.count;
  if (expected !== undefined && Math.round(expected) !== histogram.count)
    throw new InputError(
      'FG_INPUT_INVALID',
      `${files.join(', ')}: ${histogram.count} http_req_duration samples, but the summaries count ${Math.round(expected)} requests: ` +
        "give every pod's sample output once (or none, for percentile bounds)",
    );
}

function exactNote(histogram: LatencyHistogram, files: number): string {
  return `latency percentiles are exact: ${histogram.count} http_req_duration samples from ${files} k6 sample output(s) merged into one histogram`;
}

function boundsNote(merged: MergedK6): string {
  const b = merged.bounds.get('http_req_duration');
  const shown = b ? Object.entries(b).map(([stat, x]) => `${stat} ${fmt(x.low)}..${fmt(x.high)} ms`) : [];
  return (
    'latency percentiles are BOUNDS, not exact: percentiles of k6 summaries do not merge, a percentile of the pods together lies between the ' +
    `least and the greatest of the pods' (${shown.join(', ') || 'no http_req_duration'}); the result records each upper bound. ` +
    "For exact percentiles give every pod's `k6 run --out json=...` or `--out csv=...` too"
  );
}

const EXPRESSION = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

/**
 * k6's thresholds judged again on the merged figures (each pod's k6 judged only its own share).
 * Exact figures decide; a bounded one decides when both bounds agree and otherwise counts as
 * failed (undecided); a figure the summary lacks falls back to the pods' own verdicts, which
 * compose for trends because the merged figure lies between the pods'.
 */
export function mergedThresholds(pods: readonly K6Pod[], merged: MergedK6, exact?: LatencyHistogram): ThresholdOutcome[] {
  const out: ThresholdOutcome[] = [];
  for (const [key, metric] of merged.summary.metrics) {
    for (const expression of Object.keys(metric.thresholds)) {
      const parsed = EXPRESSION.exec(expression);
      const agg = parsed?.[1] === 'value' && metric.type === 'rate' ? 'rate' : parsed?.[1];
      const check = (v: number) => compare(v, parsed?.[2] ?? '', Number(parsed?.[3]));
      const exactFigure = agg === undefined ? undefined : exactValue(key, agg, merged, exact);
      const bound = agg === undefined || exactFigure !== undefined ? undefined : merged.bounds.get(key)?.[agg];
      const label = `k6 threshold ${key}: ${expression}`;
      if (parsed && exactFigure !== undefined) {
        const ok = check(exactFigure);
        out.push(
          outcome(key, expression, exactFigure, ok, `${label} ${ok ? 'held' : 'failed'} on the merged pods (actual ${fmt(exactFigure)})`),
        );
      } else if (parsed && bound) out.push(judgeBound(key, expression, bound, check, label));
      else out.push(judgeByPods(key, expression, pods, label));
    }
  }
  return out;
}

function exactValue(key: string, agg: string, merged: MergedK6, exact: LatencyHistogram | undefined): number | undefined {
  if (exact && key === 'http_req_duration') {
    const p = agg === 'med' ? 50 : /^p\((\d+(?:\.\d+)?)\)$/.exec(agg)?.[1];
    if (p !== undefined) return exact.percentile(Number(p)) ?? undefined;
  }
  if (merged.bounds.get(key)?.[agg]) return undefined;
  return merged.summary.metrics.get(key)?.values[agg];
}

function judgeBound(key: string, expression: string, b: K6Bound, check: (v: number) => boolean, label: string): ThresholdOutcome {
  const low = check(b.low);
  const high = check(b.high);
  const range = `between ${fmt(b.low)} and ${fmt(b.high)} (bounds from the pods' summaries)`;
  if (low && high) return outcome(key, expression, b.high, true, `${label} held: the merged figure lies ${range}`);
  if (!low && !high) return outcome(key, expression, b.high, false, `${label} failed: the merged figure lies ${range}`);
  return outcome(
    key,
    expression,
    null,
    false,
    `${label} undecided, counted as failed: the merged figure lies ${range}; give the pods' sample outputs`,
  );
}

function judgeByPods(key: string, expression: string, pods: readonly K6Pod[], label: string): ThresholdOutcome {
  const failed = pods.filter((p) => p.summary.metrics.get(key)?.thresholds[expression] === false).map((p) => p.file);
  const ok = failed.length === 0;
  return outcome(
    key,
    expression,
    null,
    ok,
    `${label} ${ok ? 'held on every pod' : `failed on ${failed.join(', ')}`} (as each pod's k6 judged it)`,
  );
}

function outcome(key: string, expression: string, actual: number | null, ok: boolean, message: string): ThresholdOutcome {
  return { metric: `k6.${key}`, expression, actual, ok, message };
}

function compare(value: number, op: string, limit: number): boolean {
  switch (op) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    case '!=':
      return value !== limit;
    default:
      return value === limit;
  }
}

function fmt(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}
