import { describe, expect, it } from 'vitest';
import { buildChecks } from '../../src/gate/index.ts';
import { campaignStats } from '../../src/runner/campaign.ts';
import { type FeedReader, ProviderTracker } from '../../src/runner/delivery-tracker.ts';
import { makeResult } from '../helpers/result-fixture.ts';

/** A feed that serves a fixed list of deliveries, as `GET /__mock/<p>/deliveries` pages them. */
function feed(recipients: string[]): FeedReader {
  return async (after) => {
    const entries = recipients.slice(after).map((recipient) => ({ recipient, at: 1_000 }));
    return { entries, cursor: recipients.length, head: recipients.length };
  };
}

async function track(alimtalk: string[], sms: string[]) {
  const kakao = new ProviderTracker('kakao', feed(alimtalk));
  const fallback = new ProviderTracker('sms', feed(sms));
  const spec = {
    name: 'notice',
    channel: 'alimtalk',
    provider: 'kakao',
    fallback: 'sms',
    recipients: 4,
    pattern: 'r{n}',
    template: 't',
    params: {},
    poll: 10,
  };
  // What runCampaign registers: the campaign's track on its provider's feed and on the fallback's.
  const t = kakao.track(spec.name, spec.pattern, spec.recipients);
  fallback.adoptAsFallback(t);
  await Promise.all([kakao.poll(), fallback.poll()]);
  return campaignStats({ spec, accepted: 4, startError: null, t0: 0, track: t, curve: [], backlog: [] });
}

describe('a campaign with a fallback provider', () => {
  it('counts a recipient reached by either provider once, by both as a duplicate, by neither as lost', async () => {
    const stats = await track(['r0', 'r1'], ['r1', 'r2']);
    expect(stats).toMatchObject({ delivered: 3, lost: 1, duplicated: 1, fallback: { provider: 'sms', delivered: 2, both: 1 } });
  });

  it('fails the fallback check for recipients who got both, and names both providers when one got neither', async () => {
    const stats = await track(['r0', 'r1'], ['r1', 'r2']);
    const checks = buildChecks(makeResult({ campaigns: [stats] }));
    expect(checks.find((c) => c.id === 'campaign.notice.fallback')).toMatchObject({
      status: 'fail',
      message: 'campaign notice: 1 recipient(s) got both the kakao message and the sms fallback',
    });
    expect(checks.find((c) => c.id === 'campaign.notice.lost')?.message).toMatch(
      /never received the message \(neither the kakao message nor the sms fallback\)/,
    );
  });

  it('passes when each recipient got exactly one of the two', async () => {
    const stats = await track(['r0', 'r1', 'r3'], ['r2']);
    expect(stats).toMatchObject({ delivered: 4, lost: 0, duplicated: 0, fallback: { delivered: 1, both: 0 } });
    const check = buildChecks(makeResult({ campaigns: [stats] })).find((c) => c.id === 'campaign.notice.fallback');
    expect(check).toMatchObject({ status: 'pass' });
  });
});
