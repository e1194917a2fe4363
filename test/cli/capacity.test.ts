import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBudgetFlag, toCapacityScenario } from '../../src/cli/commands/capacity.ts';
import { loadScenario } from '../../src/cli/run/load-scenario.ts';
import { createPlanValueResolver } from '../../src/cli/run/plan-values.ts';
import type { FloodgateError } from '../../src/core/index.ts';
import { cli } from '../helpers/cli.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const STORY_1 = `${root}scenarios/mail-morning-30k.yaml`;

async function story1() {
  const resolve = createPlanValueResolver();
  return loadScenario(STORY_1, { scale: 0.01, resolvePlanValue: (plan, value) => resolve(`${root}${plan}`, value) });
}

describe('floodgate capacity: a phase becomes a search', () => {
  it("takes story 1's site phase, its budget from the scenario's thresholds and the plan's 375/s as the target", async () => {
    const loaded = await story1();
    const { scenario, thresholds } = toCapacityScenario(loaded.scenario, loaded.thresholds, {});
    const search = scenario.load.find((s) => s.search)?.search;
    expect(search).toMatchObject({ name: 'site-mix', targetTps: 375, from: 93.8, to: 750, budget: { p95: 200, avg: 200, errors: 0.01 } });
    expect(search?.templates?.map((t) => t.name)).toEqual(['answer-detail', 'question-list', 'subscribe']);
    // The campaign still runs alongside; the phase's own stages are gone.
    expect(scenario.load.map((s) => Object.keys(s)[0])).toEqual(['campaign', 'search']);
    expect(thresholds.map((t) => `${t.metric}: ${t.expression.source}`)).toEqual(['search.site-mix.rate: >= 375']);
  });

  it('reads --budget part by part', () => {
    expect(parseBudgetFlag('p95=200ms, errors=2%')).toEqual({ p95: 200, errors: 0.02 });
    expect(() => parseBudgetFlag('p90=1s')).toThrow('unknown bound "p90"');
  });

  it('lets flags override the budget and the range', async () => {
    const loaded = await story1();
    const { scenario } = toCapacityScenario(loaded.scenario, loaded.thresholds, { p99: 500, errors: 0.02, from: 10, to: 100 });
    expect(scenario.load[1]?.search).toMatchObject({ budget: { p99: 500, errors: 0.02 }, from: 10, to: 100 });
  });

  it('names the phases there are when --phase matches none', async () => {
    const loaded = await story1();
    expect(() => toCapacityScenario(loaded.scenario, loaded.thresholds, { phase: 'site' })).toThrow(
      'no phases step named `site` to search (phases: site-mix)',
    );
  });

  it('refuses a bad flag with exit 4 and one line, before anything starts', async () => {
    const bad = await cli(['capacity', STORY_1, '--budget', 'p95=fast']);
    expect(bad.code).toBe(4);
    expect(bad.err).toContain('--budget p95 cannot be read: "fast"');
    expect(bad.err).not.toMatch(/\n\s+at /);
  });
});

describe('floodgate capacity flags', () => {
  it('runs without optional flags: only a flag given is read', async () => {
    // An unreachable target: the flags parsed, the scenario loaded, the run refused as INVALID (exit 3).
    const r = await cli(['capacity', STORY_1, '--scale', '0.01', '--target', 'http://127.0.0.1:9', '--out', '/tmp/fg-capacity-cli-test']);
    expect(r.err).not.toContain('cannot be read');
    expect(r.code).toBe(3);
  });
});

describe('search steps at load time', () => {
  it('refuse an unknown {{field}} in a search request, with its position', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'fg-search-'));
    try {
      const file = join(dir, 's.yaml');
      await writeFile(file, 'name: s\nload:\n  - search: { target: "GET /x/{{nope}}", budget: { p95: 200ms }, from: 10, to: 20 }\n');
      const error = await loadScenario(file, { scale: 1 }).catch((e: FloodgateError) => e);
      expect((error as FloodgateError).issues.map((i) => `${i.location?.line}: ${i.message}`)).toEqual([
        '3: unknown template field {{nope}}',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
