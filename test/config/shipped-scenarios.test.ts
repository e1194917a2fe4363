import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/cli/run/load-scenario.ts';

const dir = new URL('../../scenarios/', import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('shipped scenarios', () => {
  it.each(files)('%s validates, thresholds included', async (file) => {
    // Plan references resolve to a stand-in value here; the planner gives the real one.
    const loaded = await loadScenario(join(dir, file), { scale: 1, resolvePlanValue: () => 100 });
    expect(loaded.scenario.load.length).toBeGreaterThan(0);
    expect(loaded.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
