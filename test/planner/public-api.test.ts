import * as planner from 'floodgate/planner';
import { describe, expect, it } from 'vitest';

describe('floodgate/planner public entry', () => {
  it('exposes erlangC and fitUsl with their documented signatures', () => {
    expect(planner.erlangC({ arrivalRate: 1, serviceTime: 1000, servers: 2 }).pWait).toBe(1 / 3);
    const fit = planner.fitUsl([
      { n: 1, x: 1 },
      { n: 2, x: 1.8868 },
      { n: 4, x: 3.0769 },
      { n: 6, x: 3.5294 },
      { n: 8, x: 3.5398 },
      { n: 10, x: 3.3557 },
    ]);
    expect(Object.keys(fit).sort()).toEqual(['alpha', 'beta', 'gamma', 'model', 'nPeak', 'rSquared', 'xPeak', 'xRoof']);
    expect(typeof planner.headroom).toBe('function');
    expect(typeof planner.buildPlan).toBe('function');
  });
});
