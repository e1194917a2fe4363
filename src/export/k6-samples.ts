import { InputError } from '../core/index.ts';
import type { LatencyHistogram } from '../stats/index.ts';

/**
 * k6's granular sample outputs, read for one thing: every `http_req_duration` sample, so the
 * latencies of many pods merge into one histogram exactly (summaries only carry percentiles,
 * which do not merge).
 *
 * - `k6 run --out json=FILE`: one JSON object a line, `{"type":"Point","metric":"http_req_duration",
 *   "data":{"time":"<RFC 3339>","value":<ms>,"tags":{...}}}` among `"type":"Metric"` declarations.
 * - `k6 run --out csv=FILE`: a header starting `metric_name,timestamp,metric_value,` and one
 *   sample a row; the first three columns never hold a comma (k6 quotes later ones, e.g. check names).
 */

/** Which of k6's sample outputs a file is. */
export type K6SampleFormat = 'json' | 'csv';

/** What one sample file added to the histogram. */
export interface K6SampleRead {
  file: string;
  format: K6SampleFormat;
  /** `http_req_duration` samples recorded. */
  count: number;
}

const METRIC = 'http_req_duration';

/** Says whether a text is one of k6's sample outputs (by its first line), so a directory sorts itself. */
export function detectK6SampleFormat(text: string): K6SampleFormat | null {
  const first = text.trimStart().split('\n', 1)[0] ?? '';
  if (first.startsWith('metric_name,')) return 'csv';
  if (!first.startsWith('{')) return null;
  try {
    const line = JSON.parse(first) as { type?: unknown };
    return line.type === 'Metric' || line.type === 'Point' ? 'json' : null;
  } catch {
    return null;
  }
}

/** Records every `http_req_duration` sample of a k6 sample output into `histogram`. */
export function readK6Samples(text: string, file: string, format: K6SampleFormat, histogram: LatencyHistogram): K6SampleRead {
  const before = histogram.count;
  if (format === 'json') readJsonLines(text, file, histogram);
  else readCsv(text, file, histogram);
  return { file, format, count: histogram.count - before };
}

function readJsonLines(text: string, file: string, histogram: LatencyHistogram): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim();
    if (!line) continue;
    let entry: { type?: unknown; metric?: unknown; data?: { value?: unknown } };
    try {
      entry = JSON.parse(line);
    } catch {
      throw bad(file, i + 1, 'not a JSON object (k6 --out json writes one a line)');
    }
    if (entry.type !== 'Point' || entry.metric !== METRIC) continue;
    record(histogram, entry.data?.value, file, i + 1);
  }
}

function readCsv(text: string, file: string, histogram: LatencyHistogram): void {
  const lines = text.split('\n');
  const header = (lines[0] ?? '').trim().split(',');
  const nameAt = header.indexOf('metric_name');
  const valueAt = header.indexOf('metric_value');
  // k6 writes these first; a column after a quoted field could hold a comma, so only they are trusted.
  if (nameAt !== 0 || valueAt < 0 || valueAt > 2)
    throw bad(file, 1, 'the header does not start with metric_name,timestamp,metric_value (k6 --out csv)');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]?.trim();
    if (!line?.startsWith(`${METRIC},`)) continue;
    record(histogram, Number(line.split(',', valueAt + 1)[valueAt]), file, i + 1);
  }
}

function record(histogram: LatencyHistogram, value: unknown, file: string, line: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw bad(file, line, `${METRIC} value ${JSON.stringify(value)} is not a duration in ms`);
  histogram.record(value);
}

function bad(file: string, line: number, message: string): InputError {
  return new InputError('FG_INPUT_INVALID', `${file}:${line}: ${message}`);
}
