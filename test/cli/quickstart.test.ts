import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Result } from '../../src/core/index.ts';
import { cli } from '../helpers/cli.ts';

describe('scenarios/quickstart.yaml', () => {
  it('runs the embedded dispatcher and mocks end to end and tracks the campaign', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fg-quick-'));
    try {
      const { code, out } = await cli(['run', 'scenarios/quickstart.yaml', '--scale', '0.3', '--out', dir]);
      const result = Result.parse(JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')));
      expect(result.meta.target.kind).toBe('embedded');
      expect(result.campaigns[0]).toMatchObject({ name: 'welcome', requested: 150, accepted: 150, delivered: 150, lost: 0, duplicated: 0 });
      expect(result.providers.alimtalk?.maxPerSecondWindow).toBeLessThanOrEqual(200);
      expect(result.http.requests).toBeGreaterThan(0);
      expect(result.thresholds.filter((t) => t.metric.startsWith('campaign')).every((t) => t.ok)).toBe(true);
      // 0 unless a very busy machine made the generator itself fall behind (then 3, and it says so).
      expect(code === 0 || (code === 3 && /fell behind|dropped/.test(out))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
