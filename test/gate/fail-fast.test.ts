import { describe, expect, it } from 'vitest';
import { Result } from '../../src/core/index.ts';
import { buildChecks, buildThresholds, evaluateThresholds, stampVerdict } from '../../src/gate/index.ts';
import { makeResult, provider } from '../helpers/result-fixture.ts';

/**
 * `run --fail-fast` ends a run at a campaign's first duplicate delivery. What it cut short is not
 * judged lost (it was never given its time), and the run cannot pass: the duplicate fails it.
 */
function cutShort() {
  const base = makeResult();
  const welcome = {
    ...(base.campaigns[0] as Result['campaigns'][number]),
    delivered: 600,
    lost: 3600,
    duplicated: 4,
    drainTime: null,
    completion: { p50: null, p95: null, p100: null },
    stoppedEarly: '--fail-fast: stopped at its first duplicate delivery, 3.1 s after the start (600 of 4200 delivered by then)',
  };
  return makeResult({
    campaigns: [welcome],
    providers: { alimtalk: provider({ admitted: 604, duplicates: 4, duplicateDeliveries: 4 }) },
  });
}

describe('a run cut short by --fail-fast', () => {
  it('is a valid result whose undelivered recipients are not judged lost', () => {
    const r = cutShort();
    expect(Result.parse(r).campaigns[0]?.stoppedEarly).toMatch(/first duplicate/);
    const lost = buildChecks(r).find((c) => c.id === 'campaign.welcome.lost');
    expect(lost).toMatchObject({ status: 'skip' });
    expect(lost?.message).toMatch(/600 of 4200 delivered when tracking stopped .*; the rest is not judged/);
  });

  it('FAILs on the duplicate that stopped it, never passes', () => {
    const stamped = stampVerdict(cutShort());
    expect(stamped.verdict.status).toBe('fail');
    expect(stamped.verdict.reasons.join('\n')).toMatch(/alimtalk: 4 recipient\(s\) got the same message more than once/);
    expect(stamped.verdict.reasons.join('\n')).not.toMatch(/never received/);
  });

  it('gives thresholds on lost and drain time no value (so they fail as unmeasured, not as 3,600 lost)', () => {
    const { thresholds, issues } = buildThresholds(
      { 'campaign.welcome.lost': '== 0', 'campaign.welcome.drainTime': '< 30s', 'campaign.welcome.duplicated': '== 0' },
      { campaigns: ['welcome'] },
    );
    expect(issues).toEqual([]);
    const outcomes = evaluateThresholds(thresholds, cutShort()).map((o) => [o.metric, o.ok, o.actual]);
    expect(outcomes).toEqual([
      ['campaign.welcome.lost', false, null],
      ['campaign.welcome.drainTime', false, null],
      ['campaign.welcome.duplicated', false, 4],
    ]);
  });
});
