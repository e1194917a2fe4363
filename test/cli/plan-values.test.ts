import { describe, expect, it } from 'vitest';
import { createPlanValueResolver } from '../../src/cli/run/plan-values.ts';
import { cli } from '../helpers/cli.ts';

const plan = new URL('../../scenarios/plans/mail-morning.yaml', import.meta.url).pathname;

describe('plan values for scenario rates', () => {
  const resolve = createPlanValueResolver();
  // Story 1: 75 users / 0.2 s = 375 TPS; at 3x the mix is 25 / 37.5 / 37.5 %.
  it.each([
    ['targetTps', 375],
    ['feature.subscribe.tps', 140.625],
    ['feature.question-list.users', 28.125],
    ['feature.answer-detail.tps', 93.75],
  ])('%s = %s', async (name, value) => {
    expect(await resolve(plan, name)).toBeCloseTo(value, 6);
  });

  it('names what the plan has when a value is unknown', async () => {
    await expect(resolve(plan, 'feature.subscrbe.tps')).rejects.toThrow(/this plan has: targetTps, .*feature\.subscribe\.tps/);
  });

  it('reports a bad plan reference with its position before any load (exit 4)', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'fg-plan-'));
    try {
      const file = join(dir, 's.yaml');
      await writeFile(
        file,
        `name: a\nload:\n  - phases:\n      target: GET /\n      stages: [ { duration: 1s, rate: { plan: ${plan}, value: tps } } ]\n`,
      );
      const { code, err } = await cli(['run', file, '--target', 'http://127.0.0.1:9']);
      expect(code).toBe(4);
      expect(err).toMatch(
        /s\.yaml:5:\d+ load\[0\]\.phases\.stages\[0\]\.rate: cannot take `tps` from .*mail-morning\.yaml: no value `tps`/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
