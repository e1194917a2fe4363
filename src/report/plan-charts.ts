import { formatTps } from '../core/index.ts';
import type { PlanReport } from '../planner/index.ts';
import type { ChartSpec } from './charts.ts';

const SIZE = { width: 640, height: 260 } as const;

/**
 * The plan's charts as vega-lite specs (pure data, no rendering): growth against capacity,
 * each campaign's drain curve against its deadline, and the USL curve with the measured points
 * and the target line. Charts whose section the plan lacks are left out.
 */
export function toPlanChartSpecs(report: PlanReport): ChartSpec[] {
  return [growthChart(report), drainChart(report), uslChart(report)].filter((c): c is ChartSpec => c !== null);
}

function growthChart({ growth: g }: PlanReport): ChartSpec | null {
  if (!g) return null;
  const levels = [
    ...(g.capacity ? [{ line: 'capacity', subscribers: g.capacity.subscribers }] : []),
    ...(g.target !== null ? [{ line: 'target', subscribers: g.target }] : []),
  ];
  // One colour scale for the growth line and both levels, so each has its own colour and a legend entry.
  const lines = ['subscribers', ...levels.map((l) => l.line)];
  const color = { type: 'nominal' as const, title: null, scale: { domain: lines, range: lines.map((l) => GROWTH_COLORS[l] ?? '#57606a') } };
  return {
    id: 'growth',
    title: 'Subscribers vs capacity',
    caption:
      g.capacity?.runsOutAtMonth != null
        ? `Subscribers by month (blue); the dashed lines are the capacity (red) and the target (grey). Capacity runs out at month ${g.capacity.runsOutAtMonth}.`
        : 'Subscribers by month over the horizon (blue); dashed lines are the capacity (red) and the target (grey).',
    spec: {
      ...SIZE,
      config: { legend: { orient: 'top' } },
      layer: [
        {
          data: { values: g.series.map((p) => ({ ...p, line: 'subscribers' })) },
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'month', type: 'quantitative', title: 'month' },
            y: { field: 'subscribers', type: 'quantitative', title: 'subscribers' },
            color: { field: 'line', ...color },
          },
        },
        ...(levels.length > 0
          ? [
              {
                data: { values: levels },
                mark: { type: 'rule' as const, strokeDash: [6, 4], strokeWidth: 2 },
                encoding: {
                  y: { field: 'subscribers', type: 'quantitative' as const },
                  color: { field: 'line', ...color },
                },
              },
            ]
          : []),
      ],
    },
  };
}

/** Growth chart colours: the audience in blue, capacity in the failing red it turns into, the target in grey. */
const GROWTH_COLORS: Record<string, string> = { subscribers: '#0969da', capacity: '#cf222e', target: '#6e7781' };

function drainChart({ campaigns }: PlanReport): ChartSpec | null {
  const drawn = campaigns.filter((c) => c.curve.length > 1);
  if (drawn.length === 0) return null;
  const values = drawn.flatMap((c) => c.curve.map((p) => ({ campaign: c.name, minutes: p.tMs / 60_000, sent: p.sent })));
  const deadlines = drawn.filter((c) => c.deadlineMs).map((c) => ({ campaign: c.name, minutes: (c.deadlineMs?.min ?? 0) / 60_000 }));
  return {
    id: 'drain',
    title: 'Campaign drain',
    caption: "Messages sent over time at each campaign's planned throughput; dashed lines are the deadlines.",
    spec: {
      ...SIZE,
      layer: [
        {
          data: { values },
          mark: 'line',
          encoding: {
            x: { field: 'minutes', type: 'quantitative', title: 'minutes' },
            y: { field: 'sent', type: 'quantitative', title: 'sent' },
            color: { field: 'campaign', type: 'nominal' },
          },
        },
        ...(deadlines.length > 0
          ? [
              {
                data: { values: deadlines },
                mark: { type: 'rule' as const, strokeDash: [6, 4] },
                encoding: {
                  x: { field: 'minutes', type: 'quantitative' as const },
                  color: { field: 'campaign', type: 'nominal' as const },
                },
              },
            ]
          : []),
      ],
    },
  };
}

function uslChart({ usl }: PlanReport): ChartSpec | null {
  if (!usl) return null;
  const x = { field: 'n', type: 'quantitative' as const, title: 'concurrency N' };
  const y = { field: 'x', type: 'quantitative' as const, title: 'throughput (TPS)' };
  return {
    id: 'usl',
    title: 'Scalability (USL fit)',
    caption: `Fitted curve, measured points, and the ${formatTps(usl.headroom.targetTps)} target (dashed).`,
    spec: {
      ...SIZE,
      layer: [
        { data: { values: usl.curve }, mark: 'line', encoding: { x, y } },
        { data: { values: usl.points }, mark: { type: 'point', filled: true, size: 60 }, encoding: { x, y } },
        {
          data: { values: [{ target: usl.headroom.targetTps }] },
          mark: { type: 'rule', strokeDash: [6, 4], color: '#cf222e' },
          encoding: { y: { field: 'target', type: 'quantitative' } },
        },
      ],
    },
  };
}
