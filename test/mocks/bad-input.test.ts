import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALIMTALK_PATH, alimtalkBody, fcmBody, post, startMocks } from './helpers.ts';

let started: Awaited<ReturnType<typeof startMocks>>;
beforeAll(async () => {
  started = await startMocks({});
});
afterAll(async () => {
  await started.close();
});

const AUTH = { authorization: 'Bearer test' };
const FIVE_MB = JSON.stringify({ pad: 'x'.repeat(5 * 1024 * 1024) });

/** The provider's own error shape, per kind. */
const SHAPE: Record<string, (a: Awaited<ReturnType<typeof post>>) => boolean> = {
  fcm: (a) => typeof a.json?.error?.status === 'string' && a.json.error.details[0]['@type'].includes('FcmError'),
  ses: (a) => a.headers.get('x-amzn-errortype') === 'BadRequestException' && typeof a.json?.message === 'string',
  sendgrid: (a) => typeof a.json?.errors?.[0]?.message === 'string' && a.headers.get('x-ratelimit-limit') !== null,
  alimtalk: (a) => a.json?.header?.isSuccessful === false && typeof a.json.header.resultCode === 'number',
};

const PATHS: Record<string, string> = {
  fcm: '/v1/projects/demo/messages:send',
  ses: '/v2/email/outbound-emails',
  sendgrid: '/v3/mail/send',
  alimtalk: ALIMTALK_PATH,
};

const MISSING: Record<string, unknown> = {
  fcm: { message: { notification: { title: 't' } } },
  ses: { FromEmailAddress: 'a@example.com', Content: { Simple: { Subject: { Data: 's' } } } },
  sendgrid: { from: { email: 'a@example.com' }, subject: 's', content: [] },
  alimtalk: { senderKey: 'floodgate-sender', templateCode: 'welcome' },
};

const cases = Object.keys(PATHS).flatMap((provider) => [
  { provider, what: 'malformed JSON', body: '{"message": {', status: 400 },
  { provider, what: 'a 5 MB body', body: FIVE_MB, status: 413 },
  { provider, what: 'missing fields', body: MISSING[provider], status: 400 },
  { provider, what: 'an array body', body: [1, 2, 3], status: 400 },
]);

describe('bad input: the provider’s own 4xx, no crash, nothing delivered', () => {
  it.each(cases)('$provider: $what -> $status', async ({ provider, body, status }) => {
    const answer = await post(`${started.urls[provider]}${PATHS[provider]}`, body, AUTH);
    expect(answer.status).toBe(status);
    expect(SHAPE[provider]?.(answer)).toBe(true);
    expect(started.mocks.providers[provider]?.ledger.keys).toBe(0);
  });

  it('alimtalk: an unknown template is refused with -1006', async () => {
    const answer = await post(started.urls.alimtalk + ALIMTALK_PATH, alimtalkBody([{ no: '010', name: 'Kim' }], 'no-such-template'));
    expect([answer.status, answer.json.header.resultCode]).toEqual([400, -1006]);
  });

  it('every provider still serves a good request afterwards, and nothing bad was counted as delivered', async () => {
    const good: Record<string, unknown> = {
      fcm: fcmBody('device-1'),
      ses: {
        FromEmailAddress: 'a@example.com',
        Destination: { ToAddresses: ['b@example.com'] },
        Content: { Simple: { Subject: { Data: 's' } } },
      },
      sendgrid: {
        personalizations: [{ to: [{ email: 'b@example.com' }] }],
        from: { email: 'a@example.com' },
        subject: 's',
        content: [{ type: 'text/plain', value: 'v' }],
      },
      alimtalk: alimtalkBody([{ no: '010', name: 'Kim' }]),
    };
    for (const provider of Object.keys(PATHS)) {
      const answer = await post(`${started.urls[provider]}${PATHS[provider]}`, good[provider], AUTH);
      expect(answer.status, provider).toBeLessThan(300);
      expect(started.mocks.providers[provider]?.stats().deliveriesPerRecipient, provider).toEqual({ '1': 1 });
    }
  });
});
