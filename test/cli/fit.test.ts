import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

describe('floodgate fit usl', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fg-fit-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function csv(name: string, text: string): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  }

  it('fits specsdm91 and reports headroom against a target', async () => {
    const file = await csv('specsdm91.csv', 'n,throughput\n1,64.9\n18,995.9\n36,1652.4\n72,1853.2\n108,1828.9\n144,1775.0\n216,1702.2\n');
    const json = await cli(['fit', 'usl', file, '--target', '1500', '--json']);
    expect(json.code).toBe(0);
    const r = JSON.parse(json.out);
    expect(r.fit.alpha).toBeCloseTo(0.02773, 4);
    expect(r.fit.nPeak).toBeCloseTo(96.52, 1);
    expect(r.headroom.meets).toBe(true);
    const text = await cli(['fit', 'usl', file, '--target', '1500']);
    expect(text.out).toMatch(/N peak +96\.52/);
    expect(text.out).toMatch(/headroom vs 1,500 TPS +25\.6%/);
  });

  it('accepts columns in any order', async () => {
    const file = await csv('swapped.csv', 'throughput,n\n1,1\n1.8868,2\n3.0769,4\n3.5294,6\n3.5398,8\n3.3557,10\n');
    const r = JSON.parse((await cli(['fit', 'usl', file, '--json'])).out);
    expect(r.fit.gamma).toBeCloseTo(1, 3);
  });

  it.each([
    ['no-header.csv', '1,64.9\n18,995.9\n', /:1:1 header is "1,64.9"/],
    ['bad-line.csv', 'n,throughput\n1,64.9\n18,lots\n36,1652.4\nx,1\n', /bad-line\.csv:3:1 "18,lots".*\n.*bad-line\.csv:5:1 "x,1"/],
    ['too-few.csv', 'n,throughput\n1,2\n2,3\n', /a fit needs at least 3/],
  ])('%s -> exit 4 naming the line', async (name, text, pattern) => {
    const { code, err } = await cli(['fit', 'usl', await csv(name, text)]);
    expect(code).toBe(4);
    expect(err).toMatch(pattern);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('refuses a missing file and a wrong model', async () => {
    expect((await cli(['fit', 'usl', join(dir, 'nope.csv')])).code).toBe(4);
    expect((await cli(['fit', 'amdahl', 'x.csv'])).code).toBe(4);
    expect((await cli(['fit', 'usl', 'x.csv', '--target', 'fast'])).code).toBe(4);
  });
});
