/**
 * A parser for the Prometheus text exposition format (version 0.0.4), enough to read samples:
 * `name{label="value",...} value [timestamp]`, with `#` comment and metadata lines skipped.
 * Written here because the one npm package for it (parse-prometheus-text-format 1.1.1) is
 * unmaintained and returns families with string values; the sample grammar is small:
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-format-details
 */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?\s*/y;

function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text); // NaN stays NaN
}

function unescapeLabel(value: string): string {
  return value.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(block: string | undefined): Record<string, string> | null {
  const labels: Record<string, string> = {};
  if (!block) return labels;
  const inner = block.slice(1, -1).trim();
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < inner.length) {
    const m = LABEL.exec(inner);
    if (!m) return null;
    labels[m[1] as string] = unescapeLabel(m[2] as string);
  }
  return labels;
}

/** Parses exposition text into samples; malformed lines are skipped (a scrape must not crash a run). */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels = parseLabels(m[2]);
    if (!labels) continue;
    samples.push({ name: m[1] as string, labels, value: parseValue(m[3] as string) });
  }
  return samples;
}
