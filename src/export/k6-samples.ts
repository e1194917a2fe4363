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
  const reader = createK6SampleReader(file, format, histogram);
  for (const line of text.split('\n')) reader.line(line);
  return reader.done();
}

/** Takes a sample output one line at a time, so a file of any size streams through in constant memory. */
export interface K6SampleReader {
  line(text: string): void;
  /** What the file added; refuses a CSV without its header. */
  done(): K6SampleRead;
}

/** A {@link K6SampleReader} recording into `histogram`. */
export function createK6SampleReader(file: string, format: K6SampleFormat, histogram: LatencyHistogram): K6SampleReader {
  const before = histogram.count;
  let lineNo = 0;
  let valueAt: number | undefined;
  const csvLine = (line: string) => {
    if (valueAt === undefined) {
      valueAt = csvValueColumn(line, file);
      return;
    }
    if (line.startsWith(`${METRIC},`)) record(histogram, Number(line.split(',', valueAt + 1)[valueAt]), file, lineNo);
  };
  return {
    line(text) {
      lineNo++;
      const line = text.trim();
      if (!line) return;
      if (format === 'csv') csvLine(line);
      else jsonLine(line, file, lineNo, histogram);
    },
    done() {
      if (format === 'csv' && valueAt === undefined)
        throw bad(file, 1, 'no header line (k6 --out csv writes metric_name,timestamp,metric_value,...)');
      return { file, format, count: histogram.count - before };
    },
  };
}

function jsonLine(line: string, file: string, lineNo: number, histogram: LatencyHistogram): void {
  // Most lines are other metrics: skip them before paying for JSON.parse.
  if (!line.includes(`"${METRIC}"`)) return;
  let entry: { type?: unknown; metric?: unknown; data?: { value?: unknown } };
  try {
    entry = JSON.parse(line);
  } catch {
    throw bad(file, lineNo, 'not a JSON object (k6 --out json writes one a line)');
  }
  if (entry.type === 'Point' && entry.metric === METRIC) record(histogram, entry.data?.value, file, lineNo);
}

function csvValueColumn(headerLine: string, file: string): number {
  const header = headerLine.split(',');
  const valueAt = header.indexOf('metric_value');
  // k6 writes these first; a column after a quoted field could hold a comma, so only they are trusted.
  if (header[0] !== 'metric_name' || valueAt < 0 || valueAt > 2)
    throw bad(file, 1, 'the header does not start with metric_name,timestamp,metric_value (k6 --out csv)');
  return valueAt;
}

function record(histogram: LatencyHistogram, value: unknown, file: string, line: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw bad(file, line, `${METRIC} value ${JSON.stringify(value)} is not a duration in ms`);
  histogram.record(value);
}

function bad(file: string, line: number, message: string): InputError {
  return new InputError('FG_INPUT_INVALID', `${file}:${line}: ${message}`);
}
