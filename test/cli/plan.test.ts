import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanReport } from '../../src/planner/index.ts';
import { cli } from '../helpers/cli.ts';

const PLANS = 'scenarios/plans';

const USL_PLAN = `name: usl-demo
audience: { subscribers: 1000, dau: 20000 }
growth: { perMonth: 100, horizon: 12, capacity: { subscribers: 1500 } }
traffic:
  connections: { peak: 500, factor: 3 }
  visits: { perUserPerDay: 4, peakHourShare: 25%, session: 4.5m }
  responseTime: 1s
campaigns:
  - { name: c, recipients: 1000, deadline: 1m, provider: { name: p, limit: 100/s } }
usl:
  points:
    - { n: 1, throughput: 64.9 }
    - { n: 18, throughput: 995.9 }
    - { n: 36, throughput: 1652.4 }
    - { n: 72, throughput: 1853.2 }
    - { n: 108, throughput: 1828.9 }
    - { n: 144, throughput: 1775.0 }
    - { n: 216, throughput: 1702.2 }
`;

async function plan(name: string): Promise<PlanReport> {
  const { code, out, err } = await cli(['plan', `${PLANS}/${name}.yaml`, '--json']);
  expect(err).toBe('');
  expect(code).toBe(0);
  return JSON.parse(out) as PlanReport;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
const minutes = (ms: number | null | undefined) => round((ms as number) / 60_000, 1);

describe('shipped plans reproduce their story', () => {
  it('mail-morning: 75 users, 375 TPS, per-feature targets, 23,000 at 24 months, $63.67 ceiling', async () => {
    const r = await plan('mail-morning');
    expect(r.system).toMatchObject({ users: 75, tps: 375, basis: 'connections' });
    expect(r.mix?.features.map((f) => [f.name, f.tps, f.users])).toEqual([
      ['answer-detail', 93.75, 18.75],
      ['question-list', 140.625, 28.125],
      ['subscribe', 140.625, 28.125],
    ]);
    expect(r.growth).toMatchObject({ start: 11_000, horizonMonths: 24, atHorizon: 23_000, target: 30_000, monthsToTarget: 38 });
    expect(r.growth?.capacity?.runsOutAtMonth).toBe(9);
    expect(round(r.budget?.monthlyCeiling as number, 2)).toBe(63.67);
    expect(r.budget?.withinCeiling).toBe(false);
    expect(round(r.budget?.monthlyTotal as number, 2)).toBe(70.2);
    expect(r.flags.map((f) => [f.severity, f.subject])).toContainEqual(['fail', 'budget']);
    expect(r.flags.map((f) => [f.severity, f.subject])).toContainEqual(['fail', 'executors.mail-send-all']);
  });

  it('point-accrual: 555.6-1,111.1/s to finish in 30 minutes', async () => {
    const [bulk] = (await plan('point-accrual')).campaigns;
    expect(round(bulk?.requiredRate?.min as number, 1)).toBe(555.6);
    expect(round(bulk?.requiredRate?.max as number, 1)).toBe(1111.1);
    expect(bulk?.verdict).toBe('misses');
    expect(minutes(bulk?.drainMs?.max)).toBe(333.3); // "2,000,000 would take 333 minutes"
  });

  it('alimtalk-420k: 35 min at 200 TPS, 77.8 min at 90 TPS, 76 rejected per page flagged', async () => {
    const r = await plan('alimtalk-420k');
    const [atLimit, throttled] = r.campaigns;
    expect(atLimit?.drainMs?.max).toBe(35 * 60_000);
    expect(throttled?.throughput).toEqual({ perSecond: 90, limitedBy: 'throttle' });
    expect(minutes(throttled?.drainMs?.max)).toBe(77.8);
    expect(r.executors.map((e) => e.rejectedPerPage)).toEqual([76, 0]);
    const flag = r.flags.find((f) => f.subject === 'executors.alimtalk-before');
    expect(flag?.severity).toBe('fail');
    expect(flag?.message).toMatch(/76 of 180 tasks rejected/);
    expect(flag?.message).toMatch(/re-sent every cycle/);
  });

  it('spurt-push: 1,000,000 due in a minute needs 16,666.7/s; FCM allows 600,000', async () => {
    const [due] = (await plan('spurt-push')).campaigns;
    expect(round(due?.requiredRate?.max as number, 1)).toBe(16_666.7);
    expect(due?.providerLimit).toBe(10_000);
    expect(due?.deliverableByDeadline).toBe(600_000);
    expect(due?.verdict).toBe('misses');
  });

  it('fcm-100k: 166.67-111.11/s; a pool of 50 meets it in 5 m 34 s; the unbounded queue is flagged', async () => {
    const r = await plan('fcm-100k');
    const [blocking, pooled] = r.campaigns;
    expect(round(pooled?.requiredRate?.max as number, 2)).toBe(166.67);
    expect(round(pooled?.requiredRate?.min as number, 2)).toBe(111.11);
    expect(round((pooled?.drainMs?.max as number) / 1000, 0)).toBe(334);
    expect(pooled?.verdict).toBe('meets');
    expect(minutes(blocking?.drainMs?.max)).toBe(186);
    expect(r.flags.map((f) => f.subject)).toContain('executors.default-async');
  });
});

describe('floodgate plan output', () => {
  it('prints an aligned table with units and marked flags', async () => {
    const { code, out } = await cli(['plan', `${PLANS}/mail-morning.yaml`]);
    expect(code).toBe(0);
    expect(out).toMatch(/throughput target +375 TPS/);
    expect(out).toMatch(/answer-detail +2 +2 \(cached\) +25% +93\.75 TPS +18\.75/);
    expect(out).toMatch(/monthly ceiling +\$63\.67/);
    expect(out).toMatch(/in 24 months +23,000 subscribers/);
    expect(out).toMatch(/^ {2}FAIL {2}budget/m);
    expect(out).toMatch(/^Verdict: FAIL/m);
    const alimtalk = (await cli(['plan', `${PLANS}/alimtalk-420k.yaml`])).out;
    expect(alimtalk).toMatch(/welcome-at-broker-limit .* 35m /);
    expect(alimtalk).toMatch(/1h 17m 47s \(77\.8 min\)/);
    expect(alimtalk).toMatch(/alimtalk-before .* FAIL 76/);
  });

  describe('--out', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'fg-plan-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('writes nothing without --out', async () => {
      const { code, out } = await cli(['plan', `${PLANS}/alimtalk-420k.yaml`]);
      expect(code).toBe(0);
      expect(out).not.toMatch(/Wrote/);
    });

    it('writes plan.json, plan.md and a self-contained plan.html with three charts', async () => {
      const file = join(dir, 'usl.yaml');
      await writeFile(file, USL_PLAN);
      const { code, out } = await cli(['plan', file, '--out', join(dir, 'usl')]);
      expect(code).toBe(0);
      expect(out).toMatch(/headroom vs 1,500 TPS +25\.6%/);
      const html = await readFile(join(dir, 'usl', 'plan.html'), 'utf8');
      expect(html).toMatch(/Content-Security-Policy/);
      expect(html.match(/<figure id="chart-(growth|drain|usl)"/g)?.length).toBe(3);
      expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(3);
      expect(html).not.toMatch(/<script(?! type="application\/json")/);
      expect(html).toContain('Verdict: WARN');
    }, 20_000);

    it('writes plan.json and plan.md only when asked', async () => {
      const { code } = await cli(['plan', `${PLANS}/alimtalk-420k.yaml`, '--out', dir]);
      expect(code).toBe(0);
      const json = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as PlanReport;
      expect(json.name).toBe('alimtalk-420k');
      const md = await readFile(join(dir, 'plan.md'), 'utf8');
      expect(md).toMatch(/^# Capacity plan: alimtalk-420k/);
      expect(md).toMatch(/\| alimtalk-before \| paged \| 180 \| 4 \| 100 \| FAIL 76 \|/);
    });
  });
});

describe('bad plan input: exit 4, file:line:column, every problem at once, no stack trace', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fg-plan-bad-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function run(name: string, text: string | null) {
    const file = join(dir, name);
    if (text !== null) await writeFile(file, text);
    const result = await cli(['plan', file]);
    expect(result.code).toBe(4);
    expect(result.out).toBe('');
    expect(result.err).not.toMatch(/\n\s+at /);
    return { ...result, file };
  }

  it('reports a misspelt key, a negative rate and a string for a number together', async () => {
    const text = [
      'name: broken',
      'traffic:',
      '  connections: { peak: 25, factor: three }',
      '  responceTime: 200ms',
      'campaigns:',
      '  - name: c',
      '    recipients: 1000',
      '    provider: { name: fcm, limit: -5 }',
      '',
    ].join('\n');
    const { err, file } = await run('broken.yaml', text);
    expect(err).toContain(`error: ${file}: 4 problems`);
    expect(err).toContain(`${file}:3:36 traffic.connections.factor: expected a number, got string "three"`);
    expect(err).toContain(`${file}:4:3 traffic.responceTime: unknown key \`responceTime\` (did you mean \`responseTime\`?)`);
    expect(err).toContain(`${file}:8:35 campaigns[0].provider.limit: a rate cannot be negative, got -5`);
  });

  it('reports a YAML syntax error with its position', async () => {
    const { err, file } = await run('syntax.yaml', 'name: x\ntraffic: { responseTime: 200ms\n');
    expect(err).toMatch(/YAML syntax error/);
    expect(err).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ `));
  });

  it('names a missing file', async () => {
    const { err, file } = await run('missing.yaml', null);
    expect(err).toContain(`${file}: cannot read (no such file)`);
  });

  it('checks rules that span sections', async () => {
    const { err } = await run(
      'cross.yaml',
      'name: x\nmix:\n  features: [{ name: a, calls: 1 }]\ngrowth: { perMonth: 5, compound: 2%, horizon: 12 }\n',
    );
    expect(err).toMatch(/mix: needs a traffic section/);
    expect(err).toMatch(/growth: needs audience\.subscribers/);
    expect(err).toMatch(/growth: give exactly one of perMonth or compound/);
  });

  it('refuses values the math cannot take', async () => {
    const text = [
      'name: x',
      'campaigns: [{ name: c, recipients: 10, failureRate: 100%, workers: 2.5, latency: 1s }]',
      'pools: [{ name: p, arrivalRate: 1/s, serviceTime: 1s, servers: 1.5 }]',
      'usl: { target: 1 tps, points: [{ n: 1, throughput: 1 }, { n: 1, throughput: 2 }, { n: 2, throughput: 2 }] }',
      '',
    ].join('\n');
    const { err } = await run('domain.yaml', text);
    expect(err).toMatch(/campaigns\[0\]\.failureRate: must be < 1/);
    expect(err).toMatch(/campaigns\[0\]\.workers: expected an int/);
    expect(err).toMatch(/pools\[0\]\.servers: expected an int/);
  });

  it('refuses USL points without 3 distinct n', async () => {
    const { err } = await run(
      'usl.yaml',
      'name: x\nusl: { target: 1 tps, points: [{ n: 1, throughput: 1 }, { n: 1, throughput: 2 }, { n: 2, throughput: 2 }] }\n',
    );
    expect(err).toMatch(/usl\.points: needs at least 3 distinct values of n/);
  });

  it('refuses a wrong command line', async () => {
    expect((await cli(['plan'])).code).toBe(4);
    expect((await cli(['plan', 'a.yaml', '--bogus'])).code).toBe(4);
  });
});
