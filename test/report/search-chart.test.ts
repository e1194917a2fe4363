import { describe, expect, it } from 'vitest';
import type { SearchStats } from '../../src/core/index.ts';
import { buildCharts } from '../../src/report/charts.ts';
import { buildKeyFigures } from '../../src/report/figures.ts';
import { buildSearchCharts } from '../../src/report/search-chart.ts';
import { renderVegaLiteToSvg } from '../../src/report/vega-svg.ts';
import { makeResult } from '../helpers/result-fixture.ts';

const probe = (index: number, rate: number, status: 'held' | 'failed', p95: number) => ({
  index,
  role: 'step' as const,
  rate,
  status,
  reasons: status === 'held' ? [] : [`p95 ${p95}ms > 200ms`],
  sustainable: rate,
  marginal: false,
  latency: { p50: p95 / 2, p95, p99: p95 * 1.5 },
  errorRate: 0,
  dropped: 0,
  growth: 0,
});

const SEARCH: SearchStats = {
  name: 'site',
  budget: { p95: 200, errors: 0.01 },
  from: 100,
  to: 800,
  stepDuration: 5000,
  rate: 412.4,
  failedAt: 420,
  target: 375,
  headroom: 0.0997,
  note: 'held 412/s, failed 420/s',
  summary: 'holds 412/s at p95 < 200ms, errors < 1%; the plan needs 375/s: 10% headroom',
  confidence: { held: 4, failed: 2, invalid: 0, repeatHeld: true, p95Noise: 6, bracket: 0.018 },
  probes: [
    probe(1, 100, 'held', 40),
    probe(2, 150, 'held', 45),
    probe(3, 337, 'held', 60),
    probe(4, 506, 'failed', 2400),
    probe(5, 412.4, 'held', 120),
  ],
};

describe('capacity search chart', () => {
  it('plots rate against latency percentiles with the budget, the answer and the target marked, and renders to SVG', async () => {
    const [chart] = buildSearchCharts(makeResult({ searches: [SEARCH] }));
    expect(chart?.id).toBe('search-site');
    expect(chart?.caption).toContain('the plan needs 375/s: 10% headroom');
    const svg = await renderVegaLiteToSvg(chart?.spec as never);
    for (const text of ['budget 200 ms', 'answer 412/s', 'target 375/s', 'arrival rate (/s)']) expect(svg).toContain(text);
  });

  it('is part of the report charts and key figures, and absent without a search', () => {
    expect(buildCharts(makeResult({ searches: [SEARCH] })).map((c) => c.id)).toContain('search-site');
    expect(buildCharts(makeResult()).some((c) => c.id.startsWith('search-'))).toBe(false);
    const figure = buildKeyFigures(makeResult({ searches: [SEARCH] })).find((f) => f.label === 'capacity search site');
    expect(figure?.value).toContain('4 steps held, 2 failed; boundary held again');
  });
});
