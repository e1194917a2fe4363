import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/cli/run/load-scenario.ts';
import { createPlanValueResolver } from '../../src/cli/run/plan-values.ts';
import { rateValue } from '../../src/config/index.ts';
import { stageArrivals } from '../../src/runner/schedule.ts';

const root = new URL('../../', import.meta.url).pathname;
const dir = join(root, 'scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
// Plan files are named relative to the working directory (src/cli/commands/run.ts), as `floodgate run` is run from the repo.
const planValues = createPlanValueResolver();
const resolvePlanValue = (plan: string, value: string) => planValues(join(root, plan), value);
const load = (file: string) => loadScenario(join(dir, file), { scale: 1, resolvePlanValue });

/** The five stories of DOMAIN.md: file, plan, and the numbers each must carry. */
const STORIES = [
  { file: 'mail-morning-30k.yaml', plan: 'mail-morning.yaml', campaign: 'morning-mail', recipients: 30_000 },
  { file: 'point-accrual-1m.yaml', plan: 'point-accrual.yaml', campaign: 'accrual', recipients: 1_000_000 },
  { file: 'alimtalk-420k.yaml', plan: 'alimtalk-420k.yaml', campaign: 'welcome', recipients: 420_000 },
  { file: 'spurt-1m-due.yaml', plan: 'spurt-push.yaml', campaign: 'due-this-minute', recipients: 1_000_000 },
  { file: 'fcm-100k.yaml', plan: 'fcm-100k.yaml', campaign: 'promotion', recipients: 100_000 },
] as const;

describe('the five story scenarios', () => {
  it('ships exactly the quickstart, the five stories and the SMS-fallback example', () => {
    expect(files.sort()).toEqual(['quickstart.yaml', 'alimtalk-sms-fallback.yaml', ...STORIES.map((s) => s.file)].sort());
  });

  it.each(STORIES)('$file: a two-line story header, its plan, its campaign at full size, every threshold valid', async (story) => {
    const text = readFileSync(join(dir, story.file), 'utf8');
    const header = text.split('\n').slice(0, 3);
    expect(header[0]).toMatch(/^# Story \d, /);
    expect(header[1]).toMatch(/^# \S/);
    expect(header[2]).toMatch(/^name: /);
    expect(existsSync(join(dir, 'plans', story.plan))).toBe(true);
    const { scenario, thresholds } = await load(story.file);
    const campaign = scenario.load.find((s) => s.campaign?.name === story.campaign)?.campaign;
    expect(campaign?.recipients).toBe(story.recipients);
    expect(thresholds.some((t) => t.metric === `campaign.${story.campaign}.lost`)).toBe(true);
    expect(thresholds.some((t) => t.metric === `campaign.${story.campaign}.duplicated`)).toBe(true);
  });

  it("story 1 drives the plan's 375 TPS as a 25 / 37.5 / 37.5 mix with the 200 ms budget and a memory bound", async () => {
    const { scenario, thresholds } = await load('mail-morning-30k.yaml');
    const phases = scenario.load.find((s) => s.phases)?.phases;
    expect(phases?.stages.map((s) => [rateValue(s.rate), s.rampTo === undefined ? undefined : rateValue(s.rampTo)])).toEqual([
      [1, 375],
      [375, undefined],
    ]);
    const weights = phases?.templates?.map((t) => t.weight) ?? [];
    const total = weights.reduce((a, b) => a + b, 0);
    expect(weights.map((w) => w / total)).toEqual([0.25, 0.375, 0.375]);
    expect(weights.map((w) => (w / total) * 375)).toEqual([93.75, 140.625, 140.625]);
    const bound = (metric: string) => thresholds.find((t) => t.metric === metric)?.expression.value;
    expect(bound('http.latency.avg')).toBe(200);
    expect(bound('dispatcher.heap.max')).toBe(256 * 1024 ** 2);
    expect(scenario.monitors.prometheus[0]?.series).toContainEqual({
      metric: 'floodgate_dispatcher_nodejs_heap_size_used_bytes',
      as: 'heap',
    });
  });

  it("story 1's sign-up confirmations fit the transactional account's stated 24-hour quota, and would not fit SES's default", async () => {
    const { scenario } = await load('mail-morning-30k.yaml');
    const phases = scenario.load.find((s) => s.phases)?.phases;
    const arrivals = (phases?.stages ?? []).reduce(
      (n, s) =>
        n +
        stageArrivals({
          duration: s.duration,
          rate: rateValue(s.rate),
          ...(s.rampTo !== undefined ? { rampTo: rateValue(s.rampTo) } : {}),
        }),
      0,
    );
    const weights = phases?.templates?.map((t) => t.weight) ?? [];
    const subscribe = phases?.templates?.findIndex((t) => JSON.stringify(t.body ?? '').includes('{{tracked}}')) ?? -1;
    const confirmations = (arrivals * (weights[subscribe] ?? 0)) / weights.reduce((a, b) => a + b, 0);
    expect(Math.round(confirmations)).toBe(88_605); // 4,230 in the 1-minute ramp (1 -> 375/s) + 84,375 in 10 minutes at 140.625/s
    expect(phases?.track).toMatchObject({ provider: 'ses-tx' });
    const quota = (name: string) => (scenario.system.providers[name] as { quota?: number }).quota ?? 0;
    expect(confirmations).toBeLessThan(quota('ses-tx'));
    expect(confirmations).toBeGreaterThan(50_000);
    const morning = scenario.load.find((s) => s.campaign)?.campaign;
    expect(morning?.recipients).toBeLessThan(quota('ses'));
  });

  it("story 3's callback ramp is the team's Artillery phases against the report endpoint", async () => {
    const { scenario } = await load('alimtalk-420k.yaml');
    const phases = scenario.load.find((s) => s.phases)?.phases;
    expect(phases?.target).toEqual({ method: 'POST', path: '/v1/reports/alimtalk' });
    expect(phases?.stages.map((s) => [s.duration, s.rate, s.rampTo])).toEqual([
      [50_000, 1, 100],
      [150_000, 100, 180],
      [100_000, 180, undefined],
      [100_000, 180, 0],
    ]);
    expect(scenario.system.providers.alimtalk).toMatchObject({ kind: 'alimtalk', tps: 200 });
  });

  it('story 2 uses a provider that repeats deliveries, and keys each accrual (dedupe)', async () => {
    const { scenario } = await load('point-accrual-1m.yaml');
    const points = scenario.system.providers.points as Record<string, unknown>;
    expect(points.dedupe).toBe(true);
    expect((points.callbacks as { duplicateRate: string }).duplicateRate).toBe('5%');
  });
});
