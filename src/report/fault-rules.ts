import type { Result } from '../core/index.ts';
import type { ChartSpec } from './charts.ts';

/** The colour of a fault's rule and downtime band: apart from thresholds' magenta and limits' red. */
export const FAULT_COLOR = '#9a6700';

/** Charts whose x axis is seconds since the run's start, so a fault's moment can be drawn on them. */
const RUN_TIME_CHARTS = /^(rate|latency|provider-.+)$/;

/**
 * Vega-lite layers for the run's faults: a vertical rule where the signal was sent, labelled with
 * the fault, and a light band until the dispatcher answered again (x in seconds since start).
 */
export function faultLayers(result: Result): unknown[] {
  const faults = (result.faults ?? []).filter((f) => f.killedAt !== null);
  if (faults.length === 0) return [];
  const values = faults.map((f) => ({
    killed: (f.killedAt as number) / 1000,
    ready: (f.readyAt ?? f.killedAt ?? 0) / 1000,
    label: `${f.name}: ${f.signal}`,
  }));
  return [
    {
      data: { values },
      mark: { type: 'rect', color: FAULT_COLOR, opacity: 0.12 },
      encoding: { x: { field: 'killed', type: 'quantitative' }, x2: { field: 'ready' } },
    },
    {
      data: { values },
      mark: { type: 'rule', color: FAULT_COLOR, strokeDash: [4, 2], strokeWidth: 1.5 },
      encoding: { x: { field: 'killed', type: 'quantitative' } },
    },
    {
      data: { values },
      mark: { type: 'text', color: FAULT_COLOR, align: 'left', baseline: 'top', dx: 4, y: 4, fontSize: 11 },
      encoding: { x: { field: 'killed', type: 'quantitative' }, text: { field: 'label' } },
    },
  ];
}

/** The charts with the run's faults drawn on every run-time chart that is a layered spec. */
export function withFaultRules(charts: ChartSpec[], result: Result): ChartSpec[] {
  const layers = faultLayers(result);
  if (layers.length === 0) return charts;
  return charts.map((c) => {
    const spec = c.spec as { layer?: unknown[] };
    if (!RUN_TIME_CHARTS.test(c.id) || !Array.isArray(spec.layer)) return c;
    return {
      ...c,
      caption: `${c.caption} The dashed amber rule is a dispatcher restart (shaded until it answered again).`,
      spec: { ...spec, layer: [...spec.layer, ...layers] } as ChartSpec['spec'],
    };
  });
}
