import type { TopLevelSpec } from 'vega-lite';
import type { Result } from '../core/index.ts';
import { ruleLayer, thresholdBounds } from './chart-rules.ts';
import type { HistoryRow } from './history.ts';

/** Series read as memory (bytes). */
export const MEMORY = /rss|heap|memory|bytes/i;

const WIDTH = 900;
const HEIGHT = 180;
const VERDICT_COLORS = {
  domain: ['pass', 'pass (degraded)', 'fail', 'regression', 'invalid'],
  range: ['#1a7f37', '#d4a72c', '#cf222e', '#bc4c00', '#57606a'],
};

/** The verdict a point is coloured by: a DEGRADED pass is not a clean pass. */
function pointVerdict(r: HistoryRow): string {
  return r.status === 'pass' && r.validity === 'DEGRADED' ? 'pass (degraded)' : r.status;
}

interface Point {
  run: number;
  value: number;
  verdict: string;
  series: string;
}

/** A line over the runs with a point per run coloured by its verdict, and the latest run's thresholds as rules. */
function trendSpec(points: Point[], yTitle: string, rules: ReturnType<typeof thresholdBounds>): TopLevelSpec {
  return {
    width: WIDTH,
    height: HEIGHT,
    config: { view: { stroke: null }, legend: { orient: 'top' } },
    data: { values: points },
    layer: [
      {
        mark: { type: 'line', color: '#8c959f', strokeWidth: 1.2 },
        encoding: {
          x: { field: 'run', type: 'quantitative', title: 'run (oldest first)', axis: { tickMinStep: 1, format: 'd' } },
          y: { field: 'value', type: 'quantitative', title: yTitle },
          detail: { field: 'series' },
        },
      },
      {
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          x: { field: 'run', type: 'quantitative' },
          y: { field: 'value', type: 'quantitative' },
          color: { field: 'verdict', type: 'nominal', title: 'verdict', scale: VERDICT_COLORS },
          // Several providers need telling apart; a single series needs no legend entry.
          ...(new Set(points.map((p) => p.series)).size > 1 ? { shape: { field: 'series', type: 'nominal', title: null } } : {}),
          tooltip: [{ field: 'run' }, { field: 'series' }, { field: 'value' }, { field: 'verdict' }],
        },
      },
      ...ruleLayer(rules, 'y', WIDTH),
    ],
  } as TopLevelSpec;
}

/** One trend chart of the history page. */
export interface Trend {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

/** The trend charts the runs have data for: rate over limit, p95, drain time, peak memory. */
export function buildHistoryCharts(results: readonly Result[], rows: readonly HistoryRow[]): Trend[] {
  const latest = results[results.length - 1]?.thresholds ?? [];
  const out: Trend[] = [];
  const rate = rows.flatMap((r) =>
    r.rateOverLimit
      .filter((x) => x.limit !== null && x.limit > 0)
      .map((x) => ({ run: r.run, value: (x.peak / (x.limit as number)) * 100, verdict: pointVerdict(r), series: x.provider })),
  );
  if (rate.length > 0)
    out.push({
      id: 'rate-over-limit',
      title: 'Busiest sliding second over the provider limit',
      caption:
        'Per run and provider: the most units admitted in any sliding second, as a share of the limit (the dotted line is 100%, the limit).',
      spec: trendSpec(rate, '% of the limit', [{ value: 100, label: 'the provider limit', ok: true }]),
    });
  const p95 = rows
    .filter((r) => r.p95 !== null)
    .map((r) => ({ run: r.run, value: r.p95 as number, verdict: pointVerdict(r), series: 'p95' }));
  if (p95.length > 0)
    out.push({
      id: 'p95',
      title: 'Latency p95 (corrected) per run',
      caption: 'Corrected p95 latency of each run; the dotted line is the latest run’s threshold.',
      spec: trendSpec(
        p95,
        'latency (ms)',
        thresholdBounds(latest, (t) => t.metric.startsWith('http.latency'), ['duration', 'number']),
      ),
    });
  const drain = rows
    .filter((r) => r.drainTime !== null && Number.isFinite(r.drainTime))
    .map((r) => ({ run: r.run, value: (r.drainTime as number) / 1000, verdict: pointVerdict(r), series: 'drain time' }));
  if (drain.length > 0)
    out.push({
      id: 'drain',
      title: 'Campaign drain time per run',
      caption: 'The slowest campaign’s drain time (a run whose campaign never drained has no point); the dotted line is the threshold.',
      spec: trendSpec(
        drain,
        'drain time (s)',
        thresholdBounds(
          latest,
          (t) => /^campaign\.(.+\.)?drainTime$/.test(t.metric),
          ['duration', 'number'],
          (ms) => ms / 1000,
        ),
      ),
    });
  const mib = 1024 * 1024;
  const memory = rows
    .filter((r) => r.peakMemory !== null)
    .map((r) => ({ run: r.run, value: (r.peakMemory as number) / mib, verdict: pointVerdict(r), series: 'peak memory' }));
  if (memory.length > 0)
    out.push({
      id: 'memory',
      title: 'Peak memory per run',
      caption: 'The highest memory series value scraped in each run, in MiB; the dotted line is the threshold.',
      spec: trendSpec(
        memory,
        'MiB',
        thresholdBounds(
          latest,
          (t) => MEMORY.test(t.metric),
          ['size', 'number'],
          (b) => b / mib,
        ),
      ),
    });
  return out;
}
