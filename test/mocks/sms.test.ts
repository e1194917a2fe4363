import { afterEach, describe, expect, it } from 'vitest';
import { createMockProviders, type MockProviders } from '../../mock-providers/index.ts';

let mocks: MockProviders | undefined;
afterEach(async () => {
  await mocks?.close();
  mocks = undefined;
});

const SMS = '/sms/sms/v3.0/appKeys/floodgate-app/sender/sms';
const LMS = '/sms/sms/v3.0/appKeys/floodgate-app/sender/mms';
const send = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  (mocks as MockProviders).app.inject({ method: 'POST', url, payload: payload as object, headers });
const body = (text: string, ...numbers: string[]) => ({
  body: text,
  sendNo: '15880000',
  recipientList: numbers.map((n, i) => ({ recipientNo: n, recipientGroupingKey: `k-${n}-${i}` })),
});

describe('SMS gateway mock (NHN Cloud SMS v3.0 shape)', () => {
  it('accepts an SMS of at most 90 EUC-KR bytes and answers per recipient', async () => {
    mocks = createMockProviders({ providers: { sms: { kind: 'sms' } } });
    const r = await send(SMS, body('가'.repeat(45), '01012345678', '01087654321'));
    expect(r.statusCode).toBe(200);
    const json = r.json();
    expect(json.header).toEqual({ isSuccessful: true, resultCode: 0, resultMessage: 'SUCCESS' });
    expect(json.body.data.sendResultList.map((x: { resultCode: number }) => x.resultCode)).toEqual([0, 0]);
    expect(mocks.providers.sms?.stats()).toMatchObject({ kind: 'sms', unit: 'recipients', admitted: 2, delivered: 2, duplicates: 0 });
  });

  it('refuses a 46-syllable text sent as SMS (it must go as LMS) and takes it as LMS', async () => {
    mocks = createMockProviders({ providers: { sms: { kind: 'sms' } } });
    const long = '가'.repeat(46);
    const r = await send(SMS, body(long, '01011112222'));
    const result = r.json().body.data.sendResultList[0];
    expect(result).toMatchObject({ resultCode: -2004 });
    expect(result.resultMessage).toMatch(/92 bytes in EUC-KR \(at most 90\): send it as LMS/);
    expect(mocks.providers.sms?.stats().delivered).toBe(0);
    const lms = await send(LMS, { ...body(long, '01011112222'), title: '알림' });
    expect(lms.json().body.data.sendResultList[0].resultCode).toBe(0);
    expect(mocks.providers.sms?.stats().delivered).toBe(1);
  });

  it('refuses an emoji (EUC-KR cannot encode it) per recipient', async () => {
    mocks = createMockProviders({ providers: { sms: { kind: 'sms' } } });
    const r = await send(SMS, body('축하합니다 🎉', '01011112222'));
    expect(r.json().body.data.sendResultList[0].resultCode).toBe(-2005);
  });

  it('fills ##key## per recipient and measures the filled text', async () => {
    mocks = createMockProviders({ providers: { sms: { kind: 'sms' } } });
    const payload = {
      body: '##name##님 안녕하세요',
      sendNo: '15880000',
      recipientList: [
        { recipientNo: '01000000001', templateParameter: { name: '김' } },
        { recipientNo: '01000000002', templateParameter: { name: '가'.repeat(40) } },
      ],
    };
    const codes = (await send(SMS, payload)).json().body.data.sendResultList.map((x: { resultCode: number }) => x.resultCode);
    expect(codes).toEqual([0, -2004]);
  });

  it('counts the same text to the same number twice as a duplicate, and suppresses a repeated key with dedupe', async () => {
    mocks = createMockProviders({ providers: { a: { kind: 'sms' }, b: { kind: 'sms', dedupe: true } } });
    const one = { body: 'hello', sendNo: '15880000', recipientList: [{ recipientNo: '01099990000', recipientGroupingKey: 'row-1' }] };
    await send('/a/sms/v3.0/appKeys/floodgate-app/sender/sms', one);
    await send('/a/sms/v3.0/appKeys/floodgate-app/sender/sms', {
      ...one,
      recipientList: [{ recipientNo: '01099990000', recipientGroupingKey: 'row-2' }],
    });
    expect(mocks.providers.a?.stats()).toMatchObject({ duplicates: 1, delivered: 2 });
    await send('/b/sms/v3.0/appKeys/floodgate-app/sender/sms', one);
    await send('/b/sms/v3.0/appKeys/floodgate-app/sender/sms', one);
    expect(mocks.providers.b?.stats()).toMatchObject({ duplicates: 0, delivered: 1, deduplicated: 1 });
  });

  it('answers bad requests in its own envelope and keeps nothing', async () => {
    mocks = createMockProviders({ providers: { sms: { kind: 'sms', secretKey: 'sekret' } } });
    const ok = { 'x-secret-key': 'sekret' };
    expect((await send(SMS, body('hi', '01011112222'))).statusCode).toBe(401);
    const unknownSender = await send(SMS, { ...body('hi', '01011112222'), sendNo: '0000' }, ok);
    expect(unknownSender.statusCode).toBe(400);
    expect(unknownSender.json().header).toMatchObject({ isSuccessful: false, resultCode: -2002 });
    const badNumber = await send(SMS, { body: 'hi', sendNo: '15880000', recipientList: [{ recipientNo: 'constructor' }] }, ok);
    expect(badNumber.json().header.resultMessage).toBe('recipientList[0].recipientNo must be a phone number');
    expect((await send('/sms/sms/v3.0/appKeys/other/sender/sms', body('hi', '010'), ok)).json().header.resultCode).toBe(-1000);
    expect(mocks.providers.sms?.stats()).toMatchObject({ admitted: 0, delivered: 0 });
  });
});
