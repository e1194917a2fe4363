import { describe, expect, it } from 'vitest';
import type { PhaseDeliveryStats } from '../../src/core/index.ts';
import { buildChecks, buildThresholds, evaluateThresholds } from '../../src/gate/index.ts';
import { makeResult } from '../helpers/result-fixture.ts';

function phase(p: Partial<PhaseDeliveryStats> = {}): PhaseDeliveryStats {
  return {
    name: 'signup',
    provider: 'ses-tx',
    pattern: 'new-{n}@subscriber.test',
    sent: 100,
    accepted: 100,
    refused: 0,
    unanswered: 0,
    delivered: 100,
    lost: 0,
    duplicated: 0,
    within: 60_000,
    latency: { p50: 40, p95: 120, p99: 300, max: 900 },
    ...p,
  };
}

describe('a tracked phase in the gate', () => {
  it('reads phase.<name>.<field> and phase.<field>, and refuses an undeclared phase or field', () => {
    const built = buildThresholds(
      { 'phase.signup.lost': '== 0', 'phase.latency.p95': '< 100ms', 'phase.signup.delivered': '>= 100' },
      { phases: ['signup'] },
    );
    expect(built.issues).toEqual([]);
    const result = makeResult({ phases: [phase({ lost: 2, delivered: 98 })] });
    const outcomes = evaluateThresholds(built.thresholds, result);
    expect(outcomes.map((o) => [o.metric, o.actual, o.ok])).toEqual([
      ['phase.signup.lost', 2, false],
      ['phase.latency.p95', 120, false],
      ['phase.signup.delivered', 98, false],
    ]);
    const bad = buildThresholds({ 'phase.other.lost': '== 0', 'phase.signup.lateness': '== 0' }, { phases: ['signup'] });
    expect(bad.issues.map((i) => i.message)).toEqual(['no phase named `other` in this scenario', 'unknown metric `phase.signup.lateness`']);
  });

  it('checks lost and duplicates like a campaign, and fails a phase with nothing accepted', () => {
    const ids = (phases: PhaseDeliveryStats[]) =>
      buildChecks(makeResult({ phases }))
        .filter((c) => c.id.startsWith('phase.'))
        .map((c) => [c.id, c.status, c.actual]);
    expect(ids([phase()])).toEqual([
      ['phase.signup.lost', 'pass', 0],
      ['phase.signup.duplicates', 'pass', 0],
    ]);
    expect(ids([phase({ lost: 3, delivered: 97, duplicated: 1, refused: 4, sent: 104 })])).toEqual([
      ['phase.signup.lost', 'fail', 3],
      ['phase.signup.duplicates', 'fail', 1],
    ]);
    expect(ids([phase({ accepted: 0, delivered: 0, refused: 100 })])).toEqual([['phase.signup.accepted', 'fail', 0]]);
  });
});
