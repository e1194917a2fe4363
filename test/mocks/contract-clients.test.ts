import { SESv2Client, SendEmailCommand, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import sgClient from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderStats } from '../../src/core/index.ts';
import { startMocks } from './helpers.ts';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

function sesClient(endpoint: string) {
  // maxAttempts 1: the SDK retries throttling errors by itself otherwise.
  return new SESv2Client({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
}

function email(to: string[], key?: string) {
  return new SendEmailCommand({
    FromEmailAddress: 'news@example.com',
    Destination: { ToAddresses: to },
    Content: { Simple: { Subject: { Data: 'Morning mail' }, Body: { Text: { Data: 'Good morning' } } } },
    ...(key ? { EmailTags: [{ Name: 'client_key', Value: key }] } : {}),
  });
}

describe('SES v2 through @aws-sdk/client-sesv2', () => {
  it('parses MessageId, and over the rate throws the SDK’s TooManyRequestsException', async () => {
    const started = await startMocks({ providers: { ses: { kind: 'ses', tps: 1 } } });
    close = started.close;
    const client = sesClient(started.urls.ses as string);
    const ok = await client.send(email(['a@example.com']));
    expect(ok.MessageId).toMatch(/^ses-/);
    const error = await client.send(email(['b@example.com'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect((error as TooManyRequestsException).message).toBe('Maximum sending rate exceeded.');
    expect((error as TooManyRequestsException).$metadata.httpStatusCode).toBe(429);
    const stats = ProviderStats.parse(started.mocks.providers.ses?.stats());
    expect(stats).toMatchObject({ kind: 'ses', unit: 'recipients', admitted: 1, rejected: 1 });
  });

  it('reports the 24 h quota with its own message, and dedupes a repeated client key', async () => {
    const started = await startMocks({ providers: { ses: { kind: 'ses', tps: 100, quota: 2, dedupe: true } } });
    close = started.close;
    const client = sesClient(started.urls.ses as string);
    const first = await client.send(email(['a@example.com'], 'k-1'));
    const again = await client.send(email(['a@example.com'], 'k-1'));
    expect(again.MessageId).toBe(first.MessageId);
    await client.send(email(['b@example.com']));
    const error = await client.send(email(['c@example.com'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect((error as Error).message).toBe('Daily message quota exceeded.');
    expect(started.mocks.providers.ses?.stats()).toMatchObject({ admitted: 2, duplicates: 0, deliveriesPerRecipient: { '1': 2 } });
  });
});

describe('SendGrid v3 through @sendgrid/mail', () => {
  function mailer(baseUrl: string) {
    const { Client } = sgClient as unknown as { Client: new () => typeof sgClient };
    const client = new Client();
    client.setApiKey('SG.test-key');
    // setApiKey picks the regional host; point the client at the mock afterwards.
    client.setDefaultRequest('baseUrl', `${baseUrl}/`);
    const service = new MailService();
    service.setClient(client);
    return service;
  }
  const message = { to: 'kim@example.com', from: 'news@example.com', subject: 'Hello', text: 'Morning mail' };

  it('answers 202 with X-Message-Id and rate-limit headers; 429 surfaces as ResponseError code 429', async () => {
    const started = await startMocks({ providers: { sendgrid: { kind: 'sendgrid', tps: '2/h', window: '1h' } } });
    close = started.close;
    const service = mailer(started.urls.sendgrid as string);
    const [response] = await service.send(message);
    expect(response.statusCode).toBe(202);
    expect(response.headers['x-message-id']).toMatch(/^sendgrid-/);
    expect(response.headers['x-ratelimit-limit']).toBe('2');
    expect(response.headers['x-ratelimit-remaining']).toBe('1');
    expect(Number(response.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
    await service.send(message);
    const error = await service.send(message).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 429, response: { body: { errors: [{ message: 'too many requests' }] } } });
    expect((error as { response: { headers: Record<string, string> } }).response.headers['x-ratelimit-remaining']).toBe('0');
    expect(started.mocks.providers.sendgrid?.stats()).toMatchObject({ unit: 'requests', admitted: 2, rejected: 1, duplicates: 1 });
  });
});
