import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseYamlSource, validateSource } from '../../src/config/index.ts';
import { PlanSchema } from '../../src/config/plan-schema.ts';
import type { ThresholdOutcome } from '../../src/core/index.ts';
import { buildPlan } from '../../src/planner/index.ts';
import { buildCharts, renderVegaLiteToSvg } from '../../src/report/index.ts';
import { toPlanChartSpecs } from '../../src/report/plan-charts.ts';
import { buildSampleResult } from '../helpers/result-sample.ts';

type Layer = {
  mark?: { type?: string } | string;
  encoding?: Record<string, { field?: string; scale?: { range?: unknown[]; type?: string } }>;
  data?: { values?: Record<string, unknown>[] };
};
type Spec = { layer?: Layer[]; spec?: { layer?: Layer[] }; data?: { values?: Record<string, unknown>[] }; encoding?: Layer['encoding'] };

const threshold = (metric: string, expression: string, actual: number, ok = true): ThresholdOutcome => ({
  metric,
  expression,
  actual,
  ok,
  message: '',
});

function sample() {
  const result = buildSampleResult({ seconds: 30, seed: 'marks', samplesPerSecond: 5 });
  result.thresholds = [
    threshold('http.latency.p95', '< 200ms', 120),
    threshold('dispatcher.rss.max', '< 256MB', 130e6),
    threshold('provider.alimtalk.maxPerSecondWindow', '<= 200', 199),
    threshold('campaign.welcome.drainTime', '< 40s', 30_000),
  ];
  return result;
}

function chart(id: string) {
  const c = buildCharts(sample()).find((x) => x.id === id);
  if (!c) throw new Error(`no chart ${id}`);
  return { ...c, spec: c.spec as unknown as Spec };
}

const markType = (l: Layer) => (typeof l.mark === 'string' ? l.mark : l.mark?.type);
const rules = (layers: readonly Layer[] | undefined) => (layers ?? []).filter((l) => markType(l) === 'rule');

describe('threshold rules on their charts', () => {
  it('draws the latency threshold as a rule at its bound, labelled, in the rendered SVG', async () => {
    const c = chart('latency');
    const [rule] = rules(c.spec.layer);
    expect(rule?.data?.values).toEqual([{ rule: 200, label: 'threshold http.latency.p95 < 200ms' }]);
    const svg = await renderVegaLiteToSvg(c.spec as never);
    expect(svg).toContain('threshold http.latency.p95 &lt; 200ms');
  });

  it('draws a provider window threshold on its rate chart and a drain-time threshold on the campaign chart', () => {
    expect(rules(chart('provider-alimtalk').spec.layer).flatMap((l) => l.data?.values ?? [])).toContainEqual({
      rule: 200,
      label: 'threshold provider.alimtalk.maxPerSecondWindow <= 200',
    });
    expect(rules(chart('campaign-welcome').spec.layer).flatMap((l) => l.data?.values ?? [])).toContainEqual({
      rule: 40,
      label: 'threshold campaign.welcome.drainTime < 40s',
    });
  });

  it('draws a series threshold in that series panel, in MiB like the series', () => {
    const c = chart('series');
    const ruleRows = (c.spec.data?.values ?? []).filter((v) => v.rule !== undefined);
    expect(ruleRows).toEqual([
      { t: 0, series: 'dispatcher.rss (MiB)', value: 244.140625, rule: 244.140625, label: 'threshold dispatcher.rss.max < 256MB' },
    ]);
    expect(rules(c.spec.spec?.layer)).toHaveLength(1);
  });
});

describe('distinguishable series', () => {
  it('gives intended, sent and completed each its own colour, dash and width, with a legend', async () => {
    const c = chart('rate');
    const lines = (c.spec.layer ?? []).filter((l) => markType(l) === 'line');
    expect(lines).toHaveLength(3);
    const enc = lines[0]?.encoding ?? {};
    for (const channel of ['color', 'strokeDash']) {
      const range = enc[channel]?.scale?.range ?? [];
      expect(range).toHaveLength(3);
      expect(new Set(range.map((r) => JSON.stringify(r))).size).toBe(3);
    }
    expect(new Set(lines.map((l) => (l.mark as { strokeWidth: number }).strokeWidth)).size).toBe(3);
    // The legend names all three (it vanishes if vega-lite cannot merge the channels).
    const svg = await renderVegaLiteToSvg(c.spec as never);
    expect(svg).toMatch(/role-legend/);
    for (const name of ['intended', 'sent', 'completed']) expect(svg).toContain(`>${name}</text>`);
  });
});

describe('sliding-window limit marker', () => {
  it('offsets the limit tick like the bars, so it sits over each bar', () => {
    const [bars, tick] = chart('windows').spec.layer ?? [];
    expect(markType(tick as Layer)).toBe('tick');
    expect(tick?.encoding?.xOffset).toEqual(bars?.encoding?.xOffset);
  });
});

describe('deliveries per recipient', () => {
  it('is a linear axis whose bars add up to the recipients', () => {
    const c = chart('deliveries');
    const bars = c.spec.layer?.[0];
    expect(bars?.encoding?.y?.scale?.type).toBeUndefined();
    const total = (c.spec.data?.values ?? []).reduce((a, v) => a + (v.recipients as number), 0);
    const expected = Object.values(sample().providers.alimtalk?.deliveriesPerRecipient ?? {}).reduce((a, b) => a + b, 0);
    expect(total).toBe(expected);
    expect(c.caption).toContain(`${expected.toLocaleString('en-US')} recipients, each counted once`);
  });
});

describe('plan growth chart', () => {
  it('gives the growth line its own colour and a legend entry next to capacity and target', () => {
    const plan = buildPlan(
      validateSource(PlanSchema, parseYamlSource(readFileSync('scenarios/plans/mail-morning.yaml', 'utf8'), 'mail-morning.yaml')),
    );
    const growth = toPlanChartSpecs(plan).find((c) => c.id === 'growth');
    const [line, levels] = ((growth?.spec ?? {}) as unknown as Spec).layer ?? [];
    const scale = line?.encoding?.color?.scale as { domain: string[]; range: string[] };
    expect(scale.domain).toEqual(['subscribers', 'capacity', 'target']);
    expect(new Set(scale.range).size).toBe(3);
    expect(levels?.encoding?.color?.scale).toEqual(scale);
  });
});
