import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

describe('floodgate CLI', () => {
  it('lists commands and exit codes on --help', async () => {
    const { code, out } = await cli(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/Exit codes: 0 pass, 1 thresholds failed, 2 regression, 3 run invalid, 4 bad input, 5 internal/);
  });

  it('refuses an unknown command with exit 4', async () => {
    const { code, err } = await cli(['plna']);
    expect(code).toBe(4);
    expect(err).toMatch(/unknown command "plna"/);
  });
});
