import type { TopLevelSpec } from 'vega-lite';
import type { LatenessStats, Result } from '../core/index.ts';
import { ruleLayer, thresholdBounds } from './chart-rules.ts';
import type { ChartSpec } from './charts.ts';

const WIDTH = 900;
const HEIGHT = 220;
const CONFIG = {
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { orient: 'top' as const, labelLimit: 400 },
};
const COLORS = { min: '#bc4c00', p50: '#8c959f', p99: '#8250df', max: '#cf222e' };

/**
 * One chart per scheduled campaign: lateness (ms) of its recipients by due time, as min / p50 / p99 / max
 * per due-time bucket (at most 100, so a 1,000,000-recipient campaign draws as many points as a
 * small one), the zero line, the early line at minus the tolerance, and lateness thresholds.
 */
export function buildLatenessCharts(result: Result): ChartSpec[] {
  return result.campaigns.flatMap((c) =>
    c.lateness && c.lateness.buckets.length > 0 ? [latenessChart(c.name, c.lateness, result.thresholds)] : [],
  );
}

function latenessChart(name: string, l: LatenessStats, thresholds: Result['thresholds']): ChartSpec {
  const values = l.buckets.flatMap((b) =>
    (['min', 'p50', 'p99', 'max'] as const).map((k) => ({ due: b.due / 1000, series: k, value: b[k], reached: b.reached, early: b.early })),
  );
  const guides = [
    { y: 0, label: 'due' },
    { y: -l.tolerance, label: `early below -${l.tolerance}ms` },
  ];
  const rules = thresholdBounds(
    thresholds,
    (t) => t.metric.startsWith(`campaign.${name}.lateness.`) || t.metric.startsWith('campaign.lateness.'),
    ['duration', 'number'],
  );
  const spec = {
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    layer: [
      {
        data: { values: guides },
        mark: { type: 'rule', color: '#57606a', strokeDash: [4, 4] },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values },
        mark: { type: 'line', point: true, strokeWidth: 1.5 },
        encoding: {
          x: { field: 'due', type: 'quantitative', title: 'due time (seconds after the start request)' },
          y: { field: 'value', type: 'quantitative', title: 'lateness (ms, delivery minus due)' },
          color: { field: 'series', type: 'nominal', title: null, scale: { domain: Object.keys(COLORS), range: Object.values(COLORS) } },
          tooltip: [
            { field: 'due', title: 'due (s)' },
            { field: 'series' },
            { field: 'value', title: 'lateness (ms)' },
            { field: 'reached' },
            { field: 'early' },
          ],
        },
      },
      ...ruleLayer(rules, 'y', WIDTH),
    ],
  } as TopLevelSpec;
  const bucket = l.buckets.length > 1 ? ' Each point is one due-time bucket of recipients.' : ' All recipients were due at one instant.';
  return {
    id: `lateness-${name}`,
    title: `Campaign ${name}: lateness by due time`,
    caption: `First delivery minus due time for the ${l.reached.toLocaleString('en-US')} reached recipients, min / p50 / p99 / max per due-time bucket; below the dashed early line (-${l.tolerance} ms, the tolerance) a recipient was delivered before it was due (${l.early.toLocaleString('en-US')} were).${bucket}`,
    spec,
  };
}
