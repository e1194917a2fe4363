import { GetSendQuotaCommand, SESClient, SESServiceException, SendEmailCommand, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { GetAccountCommand, SESv2Client, SendEmailCommand as SendEmailV2Command } from '@aws-sdk/client-sesv2';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderStats } from '../../src/core/index.ts';
import { startMocks } from './helpers.ts';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const CLIENT = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
  // One attempt: the SDK retries Throttling by itself otherwise.
  maxAttempts: 1,
};

function sendEmail(to: string[], key?: string) {
  return new SendEmailCommand({
    Source: 'news@example.com',
    Destination: { ToAddresses: to },
    Message: { Subject: { Data: 'Morning mail' }, Body: { Text: { Data: 'Good morning' } } },
    ...(key ? { Tags: [{ Name: 'client_key', Value: key }] } : {}),
  });
}

function raw(headers: string, body = 'Good morning'): Uint8Array {
  return new TextEncoder().encode(`${headers}\r\nSubject: Morning mail\r\nMIME-Version: 1.0\r\n\r\n${body}\r\n`);
}

async function start(config: Record<string, unknown>) {
  const started = await startMocks({ providers: { ses: { kind: 'ses', ...config } } as never });
  close = started.close;
  const url = started.urls.ses as string;
  const provider = started.mocks.providers.ses;
  if (!provider) throw new Error('no ses provider');
  return { url, provider, v1: new SESClient({ ...CLIENT, endpoint: url }), v2: new SESv2Client({ ...CLIENT, endpoint: url }) };
}

describe('SES v1 (Query protocol) through @aws-sdk/client-ses, unchanged', () => {
  it('SendEmail answers a MessageId the SDK parses and is counted; over the rate it throws the SDK’s Throttling', async () => {
    const { v1, provider } = await start({ tps: '1/h' });
    const ok = await v1.send(sendEmail(['a@example.com']));
    expect(ok.MessageId).toMatch(/^ses-/);
    expect(ok.$metadata.httpStatusCode).toBe(200);
    const error = await v1.send(sendEmail(['b@example.com'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SESServiceException);
    expect((error as SESServiceException).name).toBe('Throttling');
    expect((error as SESServiceException).message).toBe('Maximum sending rate exceeded.');
    expect((error as SESServiceException).$metadata.httpStatusCode).toBe(400);
    const stats = ProviderStats.parse(provider.stats());
    expect(stats).toMatchObject({ kind: 'ses', unit: 'recipients', admitted: 1, rejected: 1, deliveriesPerRecipient: { '1': 1 } });
    expect(provider.journal().entries.map((e) => [e.outcome, e.recipient])).toEqual([
      ['accepted', 'a@example.com'],
      ['over-limit', 'b@example.com'],
    ]);
  });

  it('SendRawEmail takes recipients from To/Cc/Bcc headers, or from Destinations when given', async () => {
    const { v1, provider } = await start({ tps: 100 });
    const fromHeaders = await v1.send(
      new SendRawEmailCommand({
        RawMessage: {
          Data: raw(
            'From: news@example.com\r\nTo: "Kim, J." <kim@example.com>, lee@example.com\r\nCc: park@example.com\r\nBcc: choi@example.com',
          ),
        },
      }),
    );
    expect(fromHeaders.MessageId).toMatch(/^ses-/);
    const explicit = await v1.send(
      new SendRawEmailCommand({
        Destinations: ['only@example.com'],
        RawMessage: { Data: raw('From: news@example.com\r\nTo: kim@example.com') },
      }),
    );
    expect(explicit.MessageId).toMatch(/^ses-/);
    const entries = provider.journal().entries;
    expect(entries.map((e) => e.units)).toEqual([4, 1]);
    expect(entries[1]?.recipient).toBe('only@example.com');
    expect(provider.stats()).toMatchObject({ admitted: 5 });
    expect(provider.ledger.lookup('choi@example.com', 'raw\u0001Morning mail\u0001Good morning\r\n', null).accepted).toBe(1);
  });

  it('shares one limiter and one dedupe index with v2: a client key sent through v2 is a duplicate in v1', async () => {
    const { v1, v2, provider } = await start({ tps: 100, quota: 3, dedupe: true });
    const first = await v2.send(
      new SendEmailV2Command({
        FromEmailAddress: 'news@example.com',
        Destination: { ToAddresses: ['a@example.com'] },
        Content: { Simple: { Subject: { Data: 'Morning mail' }, Body: { Text: { Data: 'Good morning' } } } },
        EmailTags: [{ Name: 'client_key', Value: 'k-1' }],
      }),
    );
    const again = await v1.send(sendEmail(['a@example.com'], 'k-1'));
    expect(again.MessageId).toBe(first.MessageId);
    await v1.send(sendEmail(['b@example.com', 'c@example.com']));
    // The quota of 3 is used up by v2's 1 + v1's 2 (the duplicate is not counted).
    const error = await v1.send(sendEmail(['d@example.com'])).catch((e: unknown) => e);
    expect((error as SESServiceException).name).toBe('Throttling');
    expect((error as SESServiceException).message).toBe('Daily message quota exceeded.');
    expect(provider.stats()).toMatchObject({ admitted: 3, rejected: 1, duplicates: 0, deliveriesPerRecipient: { '1': 3 } });
    // One ledger key for both versions: the same recipient, content and client key.
    const content = JSON.stringify({ Simple: { Subject: { Data: 'Morning mail' }, Body: { Text: { Data: 'Good morning' } } } });
    expect(provider.ledger.lookup('a@example.com', content, null)).toMatchObject({ accepted: 2, delivered: 1 });
    expect(provider.ledger.summary().acceptedTwice).toBe(1);
  });

  it('GetSendQuota and v2 GetAccount report the limits and what the limiter counted', async () => {
    const { v1, v2 } = await start({ tps: 14, quota: 500 });
    await v1.send(sendEmail(['a@example.com', 'b@example.com']));
    const quota = await v1.send(new GetSendQuotaCommand({}));
    expect(quota).toMatchObject({ Max24HourSend: 500, MaxSendRate: 14, SentLast24Hours: 2 });
    const account = await v2.send(new GetAccountCommand({}));
    expect(account.SendQuota).toEqual({ Max24HourSend: 500, MaxSendRate: 14, SentLast24Hours: 2 });
    expect(account).toMatchObject({ SendingEnabled: true, ProductionAccessEnabled: true, EnforcementStatus: 'HEALTHY' });
  });

  it('reports -1 for an unlimited quota and still counts what was sent', async () => {
    const { v1 } = await start({ tps: 10, quota: null });
    await v1.send(sendEmail(['a@example.com']));
    expect(await v1.send(new GetSendQuotaCommand({}))).toMatchObject({ Max24HourSend: -1, MaxSendRate: 10, SentLast24Hours: 1 });
  });
});

describe('SES v1 bad input over real HTTP: awsQuery XML errors naming the problem', () => {
  async function form(url: string, body: string) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  }

  it('answers an unknown Action with 400 InvalidAction, a missing parameter with MissingParameter; nothing is admitted', async () => {
    const { url, provider } = await start({ tps: 100 });
    const unknown = await form(url, 'Action=DeleteEverything&Version=2010-12-01');
    expect(unknown.status).toBe(400);
    expect(unknown.type).toMatch(/^text\/xml/);
    expect(unknown.text).toContain('<Type>Sender</Type><Code>InvalidAction</Code>');
    expect(unknown.text).toContain('DeleteEverything');
    const noSource = await form(url, 'Action=SendEmail&Destination.ToAddresses.member.1=a%40example.com&Message.Subject.Data=Hi');
    expect(noSource.status).toBe(400);
    expect(noSource.text).toContain('<Code>MissingParameter</Code><Message>The request must contain the parameter Source.</Message>');
    const tooMany = Array.from({ length: 51 }, (_, i) => `Destination.ToAddresses.member.${i + 1}=r${i}%40example.com`).join('&');
    const over = await form(url, `Action=SendEmail&Source=n%40example.com&Message.Subject.Data=Hi&${tooMany}`);
    expect(over.text).toContain('<Code>InvalidParameterValue</Code><Message>Recipient count exceeds 50.</Message>');
    const inherited = await form(url, 'Action=constructor');
    expect(inherited.status).toBe(400);
    expect(inherited.text).toContain('<Code>InvalidAction</Code>');
    const noAction = await form(url, 'Version=2010-12-01');
    expect(noAction.text).toContain('<Code>MissingAction</Code>');
    expect(provider.stats()).toMatchObject({ admitted: 0, rejected: 0 });
    expect(provider.journal().entries.map((e) => e.outcome)).toEqual(Array(5).fill('bad-request'));
  });

  it('keeps the form parser inside SES: v2 and other providers still refuse a form body', async () => {
    const started = await startMocks({ providers: { ses: { kind: 'ses' }, fcm: { kind: 'fcm' } } });
    close = started.close;
    const v2 = await form(`${started.urls.ses}/v2/email/outbound-emails`, 'FromEmailAddress=a');
    expect(v2.status).toBe(415);
    expect(v2.text).not.toContain('<');
    const fcm = await fetch(`${started.urls.fcm}/v1/projects/p/messages:send`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer t' },
      body: 'message=x',
    });
    expect(fcm.status).toBe(415);
  });
});
