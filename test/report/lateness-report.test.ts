import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/core/index.ts';
import { buildCharts, renderMarkdown, renderVegaLiteToSvg } from '../../src/report/index.ts';
import { CampaignTrack } from '../../src/runner/delivery-tracker.ts';
import { dueAt, dueSchedule } from '../../src/runner/due.ts';
import { computeLateness } from '../../src/runner/lateness.ts';
import { makeResult } from '../helpers/result-fixture.ts';

/** A 1,000,000-recipient campaign due over a minute, 5 s out, each delivered 0..499 ms late and 20 early. */
function scheduled(): Result {
  const n = 1_000_000;
  const t0 = 1_764_522_000_000;
  const s = dueSchedule({ at: 5000, spread: 60_000, tolerance: 1 }, t0, n);
  const track = new CampaignTrack('spurt', 'u-{n}', n);
  for (let i = 0; i < n; i++) track.add(i, dueAt(s, i) + (i < 20 ? -200 : i % 500));
  const base = makeResult();
  const campaign = { ...(base.campaigns[0] as Result['campaigns'][number]), name: 'spurt', lateness: computeLateness(track, s, 1, t0) };
  return makeResult({
    campaigns: [campaign],
    thresholds: [{ metric: 'campaign.spurt.lateness.p99', expression: '< 5s', actual: 495, ok: true, message: '' }],
  });
}

describe('lateness in the report', () => {
  const result = scheduled();

  it('states lateness with units, the early count and the tolerance in the key figures', () => {
    const md = renderMarkdown(result);
    expect(md).toMatch(
      /\| lateness spurt p50 \/ p95 \/ p99 \/ max \| 2\d\d ms \/ 4\d\d ms \/ 49\d ms \/ 499 ms; 20 early \(more than 1 ms before due\) of 1,000,000 reached; due from 5 s to 65 s after the start request \|/,
    );
  });

  it('draws lateness over due time with a bounded number of points, and renders', async () => {
    const chart = buildCharts(result).find((c) => c.id === 'lateness-spurt');
    expect(chart).toBeDefined();
    const text = JSON.stringify(chart?.spec);
    // 100 buckets x 3 series at most, whatever the recipients.
    expect((text.match(/"series":"p99"/g) ?? []).length).toBeLessThanOrEqual(100);
    expect(chart?.caption).toMatch(/20 were/);
    // The early ones show as the first bucket's minimum, 200 ms before due.
    expect(text).toContain('"series":"min","value":-200');
    const svg = await renderVegaLiteToSvg(chart?.spec as never);
    expect(svg).toContain('lateness (ms, delivery minus due)');
    expect(svg).toContain('threshold campaign.spurt.lateness.p99 &lt; 5s');
  });
});
