import type { TopLevelSpec } from 'vega-lite';
import type { Result, SearchStats } from '../core/index.ts';
import type { ChartSpec } from './charts.ts';

const WIDTH = 900;
const HEIGHT = 240;
const CONFIG = {
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { orient: 'top' as const, labelLimit: 400 },
};
const COLORS = { p50: '#8c959f', p95: '#0969da', p99: '#8250df' };

/**
 * One chart per capacity search: latency percentiles (ms, log scale: an overloaded step is 10x
 * the rest) against the arrival rate of each probe, held steps filled and failed ones hollow; the
 * latency budget as a dashed red rule, the answer as a solid green rule and the plan's target,
 * when there is one, as a dashed grey rule.
 */
export function buildSearchCharts(result: Result): ChartSpec[] {
  return (result.searches ?? []).filter((s) => s.probes.length > 0).map(searchChart);
}

function searchChart(s: SearchStats): ChartSpec {
  const points = s.probes.flatMap((p) =>
    (['p50', 'p95', 'p99'] as const).flatMap((k) => {
      const value = p.latency[k];
      return value === null ? [] : [{ rate: round(p.rate), percentile: k, latency: Math.max(0.1, value), outcome: p.status, role: p.role }];
    }),
  );
  const layer: unknown[] = [
    {
      data: { values: points },
      mark: { type: 'point', size: 60 },
      encoding: {
        x: { field: 'rate', type: 'quantitative', title: 'arrival rate (/s)' },
        y: { field: 'latency', type: 'quantitative', title: 'latency from intended send (ms)', scale: { type: 'log' } },
        color: { field: 'percentile', type: 'nominal', title: null, scale: { domain: Object.keys(COLORS), range: Object.values(COLORS) } },
        shape: {
          field: 'outcome',
          type: 'nominal',
          title: null,
          scale: { domain: ['held', 'failed', 'invalid'], range: ['circle', 'cross', 'triangle'] },
        },
        tooltip: [
          { field: 'rate', title: 'rate /s' },
          { field: 'percentile' },
          { field: 'latency', title: 'ms' },
          { field: 'outcome' },
          { field: 'role' },
        ],
      },
    },
  ];
  const bound = s.budget.p95 ?? s.budget.p99 ?? s.budget.p50 ?? s.budget.avg;
  if (bound !== undefined) layer.push(rule({ y: bound }, 'y', '#cf222e', [6, 4], `budget ${bound} ms`));
  if (s.rate !== null) layer.push(rule({ x: round(s.rate) }, 'x', '#1a7f37', undefined, `answer ${Math.floor(s.rate)}/s`));
  if (s.target !== null) layer.push(rule({ x: s.target }, 'x', '#57606a', [2, 3], `target ${round(s.target)}/s`));
  const target = s.target === null ? '' : `, the plan's target of ${round(s.target)}/s (dotted grey)`;
  return {
    id: `search-${s.name}`,
    title: `Capacity search ${s.name}: latency vs arrival rate`,
    caption: `p50 / p95 / p99 latency of every probe (circles held, crosses failed, triangles the generator could not keep up), the budget (dashed red), the answer (green)${target}. ${s.summary}.`,
    spec: { width: WIDTH, height: HEIGHT, config: CONFIG, layer } as TopLevelSpec,
  };
}

function rule(datum: Record<string, number>, axis: 'x' | 'y', color: string, dash: number[] | undefined, label: string): unknown {
  const field = Object.keys(datum)[0] as string;
  return {
    data: { values: [{ ...datum, label }] },
    layer: [
      {
        mark: { type: 'rule', color, strokeWidth: 1.5, ...(dash ? { strokeDash: dash } : {}) },
        encoding: { [axis]: { field, type: 'quantitative' } },
      },
      {
        mark: {
          type: 'text',
          color,
          align: 'left',
          dx: 4,
          dy: axis === 'y' ? -6 : 0,
          baseline: 'bottom',
          ...(axis === 'x' ? { y: 0 } : { x: 0 }),
        },
        encoding: { [axis]: { field, type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
