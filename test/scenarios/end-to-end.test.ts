import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Result } from '../../src/core/index.ts';
import { cli } from '../helpers/cli.ts';

/**
 * The real `floodgate run` at `--scale 0.01` (counts and durations / 100, rates kept): the
 * quickstart (5 recipients, 0.1 s of messages) and story 3 (4,200 recipients at the broker's
 * 200/s, about 22 s, and the callback ramp shrunk from 400 s to 4 s).
 */
const CASES = [
  { file: 'scenarios/quickstart.yaml', campaign: 'welcome', recipients: 5, provider: 'alimtalk', limit: 200 },
  { file: 'scenarios/alimtalk-420k.yaml', campaign: 'welcome', recipients: 4200, provider: 'alimtalk', limit: 200 },
] as const;

describe('shipped scenarios run end to end at --scale 0.01', () => {
  it.each(CASES)('$file passes', { timeout: 60_000 }, async (c) => {
    const dir = await mkdtemp(join(tmpdir(), 'fg-story-'));
    try {
      const { code, out } = await cli(['run', c.file, '--scale', '0.01', '--out', dir]);
      const result = Result.parse(JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')));
      expect(result.meta.scale).toBe(0.01);
      const campaign = result.campaigns.find((x) => x.name === c.campaign);
      expect(campaign).toMatchObject({ requested: c.recipients, accepted: c.recipients, delivered: c.recipients, lost: 0, duplicated: 0 });
      expect(result.providers[c.provider]?.maxPerSecondWindow).toBeLessThanOrEqual(c.limit);
      expect(result.http.requests).toBeGreaterThan(0);
      // Latency is the dispatcher's, measured honestly: on a starved machine (the run says it was
      // strained, or the load average is over twice the cores) its p95 can pass 200 ms (7.8 s was
      // seen beside `stress --cpu 2` and four busy workers). Correctness above holds whatever the load;
      // only then may a latency threshold, and nothing else, fail.
      const strained = result.validity.verdict !== 'VALID' || (loadavg()[0] as number) > 2 * availableParallelism();
      const failed = result.thresholds.filter((t) => !t.ok);
      const excused = strained ? failed.filter((t) => t.metric.startsWith('http.latency')) : [];
      if (excused.length > 0) console.warn(`${c.file} on a strained machine: ${excused.map((t) => t.message).join('; ')}`);
      expect(failed.filter((t) => !excused.includes(t)).map((t) => t.message)).toEqual([]);
      // PASS (exit 0), unless a very busy machine made the generator itself fall behind (3, and it
      // says so) or only the excused latency failed (1).
      expect(
        code === 0 ||
          (code === 3 && /fell behind|dropped/.test(out)) ||
          (code === 1 && excused.length === failed.length && failed.length > 0),
      ).toBe(true);
      expect(out).toMatch(/^PASS|^FAIL|fell behind|dropped/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
