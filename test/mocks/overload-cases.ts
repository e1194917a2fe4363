import { ALIMTALK_PATH, alimtalkBody, fcmBody } from './helpers.ts';

/** The bearer token every case sends (FCM and SendGrid want one). */
export const AUTH = { authorization: 'Bearer test' };

/** What `inject()` answers, as the shape checks read it. */
// biome-ignore lint/suspicious/noExplicitAny: shape checks dig into provider bodies
export type Injected = { statusCode: number; json(): any; headers: Record<string, unknown> };

/** Per provider: the request, and the over-limit shape it must answer (status + body/header test). */
export const OVERLOAD_CASES = [
  {
    name: 'fcm',
    url: '/fcm/v1/projects/demo/messages:send',
    payload: (i: number) => fcmBody(`device-${i}`),
    overLimit: (r: Injected) =>
      r.statusCode === 429 &&
      r.json().error.status === 'RESOURCE_EXHAUSTED' &&
      r.json().error.details[0].errorCode === 'QUOTA_EXCEEDED' &&
      Number(r.headers['retry-after']) >= 1,
    // 60 s window from the first message: 10/s x 60 s = 600, all in the first 6 s.
    admitted: 600,
  },
  {
    name: 'ses',
    url: '/ses/v2/email/outbound-emails',
    payload: (i: number) => ({
      FromEmailAddress: 'a@example.com',
      Destination: { ToAddresses: [`r${i}@example.com`] },
      Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
    }),
    overLimit: (r: Injected) =>
      r.statusCode === 429 &&
      r.headers['x-amzn-errortype'] === 'TooManyRequestsException' &&
      r.json().message === 'Maximum sending rate exceeded.' &&
      r.headers['retry-after'] === undefined,
    // A full bucket of 10, then 10/s until the last request at 29.99 s: 10 + 299.9 -> 309.
    admitted: 309,
  },
  {
    name: 'sendgrid',
    url: '/sendgrid/v3/mail/send',
    payload: (i: number) => ({
      personalizations: [{ to: [{ email: `r${i}@example.com` }] }],
      from: { email: 'a@example.com' },
      subject: 's',
      content: [{ type: 'text/plain', value: 'v' }],
    }),
    overLimit: (r: Injected) =>
      r.statusCode === 429 && r.json().errors[0].message === 'too many requests' && r.headers['x-ratelimit-remaining'] === '0',
    admitted: 300,
  },
  {
    name: 'alimtalk',
    url: `/alimtalk${ALIMTALK_PATH}`,
    payload: (i: number) => alimtalkBody([{ no: `010${i}`, name: 'Kim' }]),
    overLimit: (r: Injected) => r.statusCode === 429 && r.json().header.resultCode === -2001 && r.headers['retry-after'] === '1',
    admitted: 300,
  },
  {
    name: 'sms',
    url: '/sms/sms/v3.0/appKeys/floodgate-app/sender/sms',
    payload: (i: number) => ({ body: 'floodgate test', sendNo: '15880000', recipientList: [{ recipientNo: `010${i}` }] }),
    overLimit: (r: Injected) => r.statusCode === 429 && r.json().header.resultCode === -9997 && r.headers['retry-after'] === '1',
    admitted: 300,
  },
] as const;
