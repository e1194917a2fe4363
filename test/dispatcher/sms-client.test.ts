import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderConfig } from '../../dispatcher/config.ts';
import { createProviderClient, type ProviderClient, type SendUnit } from '../../dispatcher/providers/index.ts';
import { createMockProviders, type MockProviders } from '../../mock-providers/index.ts';

/** The reference dispatcher's SMS client against the real SMS gateway mock on loopback. */
let mocks: MockProviders;
let client: ProviderClient;

beforeAll(async () => {
  mocks = createMockProviders({ providers: { sms: { kind: 'sms', secretKey: 'floodgate-secret' } } });
  const { urls } = await mocks.listen();
  client = createProviderClient(ProviderConfig.parse({ kind: 'sms', baseUrl: urls.sms }));
});
afterAll(async () => {
  await client.close();
  await mocks.close();
});

const unit = (id: number, to: string, content?: string, params: Record<string, string> = {}): SendUnit => ({
  id,
  to,
  clientKey: `db-${id}`,
  params,
  content,
});

describe('SMS client', () => {
  it('sends a short text as SMS and a long one as LMS, each recipient once', async () => {
    const short = '인증번호는 123456 입니다';
    const long = `${'가'.repeat(60)} 긴 안내문`;
    const { results } = await client.send([unit(1, '01000000001', short), unit(2, '01000000002', long), unit(3, '01000000003', short)], {
      template: 'notice',
    });
    expect(results).toEqual([
      { kind: 'sent', messageId: expect.any(String) },
      { kind: 'sent', messageId: expect.any(String) },
      { kind: 'sent', messageId: expect.any(String) },
    ]);
    // The mock refuses a text over 90 bytes on the SMS endpoint: delivered means it went as LMS.
    expect(mocks.providers.sms?.stats()).toMatchObject({ delivered: 3, duplicates: 0 });
  });

  it("takes the account's own text for a template and fills #{name} per recipient", async () => {
    mocks.providers.sms?.reset();
    const { results } = await client.send([unit(4, '01000000004', undefined, { name: '김철수' })], { template: 'welcome' });
    expect(results[0]?.kind).toBe('sent');
    expect(mocks.providers.sms?.stats().delivered).toBe(1);
  });

  it('fails, with the reason, a text EUC-KR cannot encode and a template it has no text for', async () => {
    const { results } = await client.send([unit(5, '01000000005', '축하해요 🎉')], { template: 'x' });
    expect(results[0]).toMatchObject({ kind: 'failed', error: expect.stringMatching(/EUC-KR cannot encode/) });
    const none = await client.send([unit(6, '01000000006')], { template: 'no-such-template' });
    expect(none.results[0]).toMatchObject({ kind: 'failed', error: expect.stringMatching(/no text for template "no-such-template"/) });
  });
});
