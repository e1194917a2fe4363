import { describe, expect, it } from 'vitest';
import { parseYamlSource, validateSource } from '../../src/config/index.ts';
import { PlanSchema } from '../../src/config/plan-schema.ts';
import { buildPlan, type PlanReport } from '../../src/planner/index.ts';

function build(yaml: string): PlanReport {
  return buildPlan(validateSource(PlanSchema, parseYamlSource(yaml, 'plan.yaml')));
}

const subjects = (r: PlanReport) => r.flags.map((f) => `${f.severity} ${f.subject}`);

describe('buildPlan', () => {
  it('uses both traffic routes and says when they agree', () => {
    const agree = build(`name: x
audience: { dau: 1000 }
traffic:
  connections: { peak: 25, factor: 3 }
  visits: { perUserPerDay: 4, peakHourShare: 25%, session: 4.5m }
  responseTime: 200ms
`);
    expect(agree.system?.routesAgree).toBe(true);
    expect(agree.system?.visits?.users).toBeCloseTo(75, 9);
    expect(agree.flags).toEqual([]);
    expect(agree.verdict).toBe('ok');

    const disagree = build(`name: x
audience: { mau: 12000, dailyActive: 20% }
traffic:
  connections: { peak: 25, factor: 3 }
  visits: { perUserPerDay: 4, peakHourShare: 25%, session: 4.5m }
  basis: visits
  responseTime: 200ms
  thinkTime: 800ms
`);
    expect(disagree.system).toMatchObject({ basis: 'visits', routesAgree: false });
    // 2,400 DAU -> 180 users (75 by connections); with think time the cycle is 1 s: 180 TPS.
    expect(disagree.system?.tps).toBeCloseTo(180, 9);
    expect(subjects(disagree)).toEqual(['warn traffic']);
  });

  it('compound growth against measured throughput', () => {
    const r = build(`name: x
audience: { subscribers: 10000 }
traffic: { connections: { peak: 10, factor: 2 }, responseTime: 100ms }
growth: { compound: 10%, horizon: 12, target: 20000, capacity: { throughput: 300 tps } }
`);
    // 200 TPS today; 300 TPS covers 15,000 subscribers; 10,000 x 1.1^m > 15,000 first at m = 5.
    expect(r.system?.tps).toBe(200);
    expect(r.growth?.capacity).toMatchObject({ subscribers: 15_000, throughput: 300, runsOutAtMonth: 5 });
    expect(r.growth?.monthsToTarget).toBe(8);
    expect(subjects(r)).toEqual(['warn growth']);
  });

  it('inflates campaigns by retries and judges the worst case', () => {
    const r = build(`name: x
campaigns:
  - name: c
    recipients: { min: 900, max: 1800 }
    deadline: { min: 10s, max: 20s }
    provider: { name: p, limit: 100/s }
    failureRate: 10%
`);
    const [c] = r.campaigns;
    expect(c?.sends.max).toBeCloseTo(2000, 9);
    expect(c?.requiredRate?.max).toBeCloseTo(200, 9);
    expect(c?.requiredRate?.min).toBeCloseTo(50, 9);
    expect(c?.drainMs?.max).toBeCloseTo(20_000, 6);
    expect(c?.verdict).toBe('misses');
    expect(c?.deliverableByDeadline).toBe(900);
  });

  it('warns when nothing bounds a campaign with a deadline', () => {
    const r = build('name: x\ncampaigns: [{ name: c, recipients: 10, deadline: 1m }]\n');
    expect(r.campaigns[0]?.verdict).toBe('unbounded');
    expect(subjects(r)).toEqual(['warn campaigns.c']);
  });

  it('flags an unstable pool and an undersized one', () => {
    const r = build(`name: x
pools:
  - { name: over, arrivalRate: 100/s, serviceTime: 50ms, servers: 5 }
  - { name: small, arrivalRate: 100/s, serviceTime: 50ms, servers: 6, target: { meanWait: 1ms } }
`);
    expect(r.pools[0]?.configured?.stable).toBe(false);
    expect(r.pools[1]?.recommended).toBeGreaterThan(6);
    expect(subjects(r)).toEqual(['fail pools.over', 'warn pools.small']);
  });

  it('flags a USL target above the fitted peak', () => {
    const r = build(`name: x
usl:
  target: 5 tps
  points: [{ n: 1, throughput: 1 }, { n: 2, throughput: 1.8868 }, { n: 4, throughput: 3.0769 }, { n: 6, throughput: 3.5294 }, { n: 8, throughput: 3.5398 }, { n: 10, throughput: 3.3557 }]
`);
    expect(r.usl?.headroom.meets).toBe(false);
    expect(subjects(r)).toEqual(['fail usl']);
  });

  it('passes a budget within its ceiling', () => {
    const r = build(`name: x
budget:
  credits: $812
  upfront: [{ name: July, amount: $48 }]
  months: 12
  channels: [{ name: mail, volume: 600000, price: $0.10, per: 1000, free: 62000 }]
`);
    expect(r.budget?.monthlyTotal).toBeCloseTo(53.8, 9);
    expect(r.budget?.withinCeiling).toBe(true);
    expect(r.verdict).toBe('ok');
  });

  it('is pure: the same plan gives the same report', () => {
    const yaml = 'name: x\ncampaigns: [{ name: c, recipients: 10, provider: { name: p, limit: 1/s } }]\n';
    expect(build(yaml)).toEqual(build(yaml));
  });
});
