import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/index.ts';
import { buildVerdict } from '../../src/gate/verdict.ts';
import { assessValidity } from '../../src/runner/validity.ts';
import { makeResult, provider } from '../helpers/result-fixture.ts';

/**
 * Verdict integrity: a PASS means every check was evaluated over what the scenario asked for. One
 * test per rule, each on a result that would otherwise PASS (the first case shows it does).
 */
const campaign = makeResult().campaigns[0] as NonNullable<ReturnType<typeof makeResult>['campaigns'][0]>;
const TOL = { dropped: 0.001, lagDegraded: 5, lagInvalid: 50, lateLimit: 1000, eventLoopLag: 50, loopBusy: 0.95 };

describe('verdict integrity', () => {
  it('the baseline result passes', () => {
    expect(buildVerdict(makeResult()).status).toBe('pass');
  });

  it('a campaign whose start was refused fails with the start error in the headline', () => {
    const v = buildVerdict(
      makeResult({
        campaigns: [
          { ...campaign, accepted: 0, delivered: 0, lost: 0, startError: 'POST /campaigns answered 401: missing or wrong X-Api-Key' },
        ],
      }),
    );
    expect(v.exitCode).toBe(ExitCode.ThresholdsFailed);
    expect(v.headline).toMatch(/^FAIL: .*campaign welcome was not accepted: POST \/campaigns answered 401: missing or wrong X-Api-Key/);
    // Its lost check is skipped, not held over nothing.
    expect(v.checks.find((c) => c.id === 'campaign.welcome.lost')?.status).toBe('skip');
  });

  it('a campaign that accepted 0 of its recipients fails', () => {
    const v = buildVerdict(makeResult({ campaigns: [{ ...campaign, accepted: 0, delivered: 0, lost: 0 }] }));
    expect(v.status).toBe('fail');
    expect(v.reasons[0]).toMatch(/accepted 0 of/);
  });

  it('a ledger that could not be read makes the run INVALID (exit 3) and its check fail as not verified', () => {
    const reason = 'its ledger could not be read (http://127.0.0.1:9/__mock/alimtalk/stats answered 404: no provider)';
    const validity = assessValidity(
      {
        intended: 100,
        dropped: 0,
        droppedBy: { inflight: 0, late: 0 },
        maxInFlight: 100,
        scheduleLagP99: 1,
        eventLoopLagP99: 1,
        loopBusyMax: 0.1,
        aborted: false,
        unverified: [`provider.alimtalk: ${reason}`],
        warnings: [],
      },
      TOL,
    );
    const v = buildVerdict(makeResult({ validity, providers: {}, unverified: [{ subject: 'provider.alimtalk', reason }] }));
    expect(v.exitCode).toBe(ExitCode.RunInvalid);
    expect(v.headline).toMatch(/^INVALID: .*not verified: provider\.alimtalk: its ledger could not be read/);
    expect(v.checks.find((c) => c.id === 'provider.alimtalk.verified')?.status).toBe('fail');
  });

  it('recipients not seen before the feed failed are not verified, not "lost"', () => {
    const unverified = [{ subject: 'provider.alimtalk', reason: 'the delivery feed of alimtalk could not be read: ECONNREFUSED' }];
    const v = buildVerdict(makeResult({ unverified, campaigns: [{ ...campaign, accepted: 400, delivered: 260, lost: 140 }] }));
    const lost = v.checks.find((c) => c.id === 'campaign.welcome.lost');
    expect(lost?.status).toBe('skip');
    expect(lost?.message).toMatch(/260 of 400 seen delivered before its provider could no longer be read; the rest is not verified/);
    expect(v.checks.filter((c) => c.id === 'provider.alimtalk.verified')).toHaveLength(1);
  });

  it('a duplicate under a new client key is a duplicate: the ledger counts it, the check fails', () => {
    // The mock's ledger keys on recipient x content whatever the key (test/mocks/alimtalk.test.ts); this is its figure.
    const v = buildVerdict(
      makeResult({ providers: { alimtalk: provider({ duplicates: 100, duplicateDeliveries: 100, deduplicated: 0 }) } }),
    );
    expect(v.status).toBe('fail');
    expect(v.headline).toMatch(/alimtalk: 100 recipient\(s\) got the same message more than once/);
  });

  it('repeats the provider deduplicated are not duplicates', () => {
    const v = buildVerdict(makeResult({ providers: { alimtalk: provider({ deduplicated: 40 }) } }));
    expect(v.status).toBe('pass');
    expect(v.checks.find((c) => c.id === 'provider.alimtalk.duplicates')?.message).toMatch(
      /40 repeat\(s\) of an accepted client key were deduplicated/,
    );
  });

  it('a provider that received nothing has its checks skipped, not held, and the headline says so', () => {
    const v = buildVerdict(
      makeResult({ providers: { alimtalk: provider(), idle: provider({ admitted: 0, delivered: 0, maxPerSecondWindow: 0 }) } }),
    );
    expect(v.checks.filter((c) => c.id.startsWith('provider.idle')).map((c) => c.status)).toEqual(['skip', 'skip', 'skip']);
    expect(v.headline).toMatch(/^PASS: 0 thresholds and 4 checks held, 3 skipped/);
  });

  it('a run that verified nothing at all is INVALID, never a pass', () => {
    const v = buildVerdict(makeResult({ providers: { idle: provider({ admitted: 0, delivered: 0 }) }, campaigns: [], thresholds: [] }));
    expect(v.exitCode).toBe(ExitCode.RunInvalid);
    expect(v.headline).toMatch(/^INVALID: nothing was verified/);
  });
});
