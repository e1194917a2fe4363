import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/core/index.ts';
import { buildThresholds, evaluateProjectedThresholds, evaluateThresholds } from '../../src/gate/index.ts';
import { buildProjection, fitScaling, type GrowthReport, predict, projectionTargets } from '../../src/planner/index.ts';
import { renderProjectionMarkdown, renderProjectionText } from '../../src/report/projection.ts';
import { makeResult } from '../helpers/result-fixture.ts';

/** Story 1's plan growth: 11,000 subscribers + 500 a month, 24 months (23,000), target 30,000. */
const GROWTH: GrowthReport = {
  start: 11_000,
  model: { kind: 'linear', perMonth: 500 },
  horizonMonths: 24,
  atHorizon: 23_000,
  target: 30_000,
  monthsToTarget: 38,
  capacity: null,
  series: [],
};

describe('fitScaling: how a figure grows with recipients', () => {
  it('calls an exact line linear, with R² 1 and a slope interval that excludes 0, and projects it', () => {
    const fit = fitScaling([
      [300, 10e6 + 300 * 23_000],
      [900, 10e6 + 900 * 23_000],
      [1500, 10e6 + 1500 * 23_000],
      [3000, 10e6 + 3000 * 23_000],
    ]);
    expect(fit.shape).toBe('linear');
    expect(fit.rSquared).toBeCloseTo(1, 9);
    expect(fit.line.slope).toBeCloseTo(23_000, 6);
    expect(predict(fit, 30_000).value).toBeCloseTo(10e6 + 30_000 * 23_000, 0);
  });

  it('calls noise around a level flat: the slope interval contains 0, and the projection is the mean', () => {
    const fit = fitScaling([
      [300, 48e6],
      [900, 50e6],
      [1500, 47e6],
      [3000, 49e6],
    ]);
    expect(fit.shape).toBe('flat');
    expect(fit.line.slopeCi[0]).toBeLessThan(0);
    expect(fit.line.slopeCi[1]).toBeGreaterThan(0);
    const at = predict(fit, 30_000);
    expect(at.value).toBeCloseTo(48.5e6, 0);
    expect(at.low).toBeLessThan(at.value);
    expect(at.high).toBeGreaterThan(at.value);
  });

  it('calls a clear quadratic worse than linear and projects it above the line', () => {
    const points = [100, 200, 300, 400, 500, 600].map(
      (x) => [x, 1000 + 2 * x + 0.05 * x * x + (x % 200 === 0 ? 3 : -3)] as [number, number],
    );
    const fit = fitScaling(points);
    expect(fit.shape).toBe('superlinear');
    expect(predict(fit, 3000).value).toBeGreaterThan(fit.line.intercept + fit.line.slope * 3000);
  });

  it('refuses fewer than 3 points', () => {
    expect(() =>
      fitScaling([
        [1, 1],
        [2, 2],
      ]),
    ).toThrow(/3 or more/);
  });
});

function run(scale: number, recipients: number, heap: number, drainTime: number): Result {
  const base = makeResult();
  return {
    ...base,
    meta: { ...base.meta, scale },
    campaigns: [
      {
        name: 'morning-mail',
        channel: 'email',
        provider: 'ses',
        requested: recipients,
        accepted: recipients,
        delivered: recipients,
        lost: 0,
        duplicated: 0,
        drainTime,
        deadline: null,
        completion: { p50: null, p95: null, p100: drainTime },
        curve: [],
        backlog: [],
      },
    ],
    series: [
      {
        name: 'dispatcher.heap',
        labels: {},
        source: 'http://127.0.0.1/metrics',
        points: [
          [0, heap / 2],
          [1000, heap],
        ],
      },
      { name: 'generator.cpuPercent', labels: {}, source: 'runner', points: [[0, 50]] },
    ],
  };
}

describe('buildProjection and projected.* thresholds', () => {
  const thresholds = buildThresholds(
    { 'projected.dispatcher.heap.max': '< 256MiB', 'dispatcher.heap.max': '< 1GB' },
    { campaigns: ['morning-mail'], series: ['dispatcher.heap'] },
  ).thresholds;
  const results = [0.01, 0.03, 0.05, 0.1].map((s) => ({
    result: run(s, 30_000 * s, 8e6 + 30_000 * s * 23_040, 1000 + 30_000 * s),
    file: null,
  }));
  const projection = buildProjection({
    scenario: 'story1-projection',
    plan: 'scenarios/plans/mail-morning.yaml',
    results,
    fullRecipients: { 'morning-mail': 30_000 },
    growth: GROWTH,
    seriesUnits: { 'dispatcher.heap': 'bytes' },
    judge: (lookup) => evaluateProjectedThresholds(thresholds, lookup),
  });

  it('projects to full size, the horizon and the plan target, from the monitored series only', () => {
    expect(projectionTargets(30_000, GROWTH).map((t) => [t.label, t.subscribers])).toEqual([
      ['full size', 30_000],
      ['horizon (24 months)', 23_000],
      ['plan target', 30_000],
    ]);
    expect(projection.figures.map((f) => f.key).sort()).toEqual(['campaign.morning-mail.drainTime', 'dispatcher.heap.max']);
    const heap = projection.figures.find((f) => f.key === 'dispatcher.heap.max');
    expect(heap?.at.find((a) => a.label === 'horizon (24 months)')?.value).toBeCloseTo(8e6 + 23_000 * 23_040, 0);
  });

  it('fails the bound at the horizon and the target, and says so in text and Markdown', () => {
    expect(projection.thresholds.map((t) => [t.label, t.ok])).toEqual([
      ['full size', false],
      ['horizon (24 months)', false],
      ['plan target', false],
    ]);
    expect(projection.status).toBe('fail');
    const text = renderProjectionText(projection);
    expect(text).toMatch(/^FAIL/);
    expect(text).toContain('at 30,000 recipients (plan target) dispatcher.heap.max is projected at 666.8 MiB');
    expect(text).toContain('linear, R² 1) against < 256MiB: FAIL');
    expect(renderProjectionMarkdown(projection)).toContain(
      '| `projected.dispatcher.heap.max: < 256MiB` | plan target | 666.8 MiB | **FAIL** |',
    );
  });

  it('leaves projected.* out of a single run, where there is nothing to project from', () => {
    const outcomes = evaluateThresholds(thresholds, results[0]?.result as Result);
    expect(outcomes.map((o) => o.metric)).toEqual(['dispatcher.heap.max']);
  });

  it('refuses at load time a projected threshold on a series no monitor keeps, or on a figure that is not fitted', () => {
    const { issues } = buildThresholds(
      { 'projected.nosuchmon.rss.max': '< 1GB', 'projected.http.latency.p95': '< 1s', 'projected.dispatcher.heap.min': '< 1GB' },
      { campaigns: ['morning-mail'], series: ['dispatcher.heap'] },
    );
    expect(issues.map((i) => i.path.join('.'))).toEqual([
      'thresholds.projected.nosuchmon.rss.max',
      'thresholds.projected.http.latency.p95',
      'thresholds.projected.dispatcher.heap.min',
    ]);
    expect(issues[0]?.message).toContain('no monitor keeps a series `nosuchmon.rss`');
    expect(issues[1]?.message).toContain('unknown metric');
  });
});
