import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderConfig } from '../../dispatcher/config.ts';
import { createProviderClient, type SendUnit, type UnitResult } from '../../dispatcher/providers/index.ts';

/** Canned answers in the wire contract's shapes, chosen per test by the recipient address. */
let app: FastifyInstance;
let base: string;
const seen: Record<string, unknown>[] = [];

beforeAll(async () => {
  app = Fastify();
  app.post('/v2/email/outbound-emails', async (req, reply) => {
    const body = req.body as { Destination: { ToAddresses: string[] }; EmailTags: { Name: string; Value: string }[] };
    seen.push(body);
    const to = body.Destination.ToAddresses[0];
    if (to === 'throttle@x')
      return reply.code(429).header('x-amzn-ErrorType', 'TooManyRequestsException').send({ message: 'Maximum sending rate exceeded.' });
    if (to === 'bad@x') return reply.code(400).header('x-amzn-ErrorType', 'BadRequestException').send({ message: 'bad' });
    return { MessageId: 'ses-1' };
  });
  app.post('/v3/mail/send', async (req, reply) => {
    const body = req.body as { personalizations: { to: { email: string }[]; custom_args: { client_key: string } }[] };
    seen.push(body);
    if (body.personalizations[0]?.to[0]?.email === 'throttle@x') {
      return reply
        .code(429)
        .header('x-ratelimit-reset', String(Math.ceil(Date.now() / 1000) + 1))
        .send({ errors: [{ message: 'too many requests' }] });
    }
    return reply.code(202).header('x-message-id', 'sg-1').send();
  });
  app.post('/v1/projects/:p/messages::send', async (req, reply) => {
    const { message } = req.body as { message: { token: string; data: Record<string, string> } };
    seen.push(message);
    if (message.token === 'gone')
      return reply.code(404).send({ error: { code: 404, status: 'NOT_FOUND', details: [{ errorCode: 'UNREGISTERED' }] } });
    if (message.token === 'busy')
      return reply
        .code(503)
        .header('retry-after', '2')
        .send({ error: { code: 503, status: 'UNAVAILABLE' } });
    return { name: 'projects/p/messages/f1' };
  });
  app.post('/alimtalk/v2.3/appkeys/:k/messages', async (req, reply) => {
    const { recipientList } = req.body as { recipientList: { recipientNo: string; clientKey: string }[] };
    const first = recipientList[0]?.recipientNo;
    if (first === 'over')
      return reply.code(200).send({ header: { isSuccessful: false, resultCode: -2001, resultMessage: 'TPS limit exceeded' } });
    if (first === 'badtemplate')
      return reply
        .code(400)
        .header('resultCode', '-1006')
        .send({ header: { isSuccessful: false, resultCode: -1006 } });
    const sendResults = recipientList.map((r, i) => ({
      recipientSeq: i + 1,
      recipientNo: r.recipientNo,
      clientKey: r.clientKey,
      resultCode: r.recipientNo === 'mismatch' ? 3016 : r.recipientNo === 'dup' ? -1005 : 0,
      resultMessage: '',
      messageId: `a${i}`,
    }));
    return { header: { isSuccessful: true, resultCode: 0, resultMessage: 'success' }, message: { requestId: 'r', sendResults } };
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => app.close());

const unit = (to: string, i = 0): SendUnit => ({ id: i + 1, to, clientKey: `ck-${i}`, params: { name: 'Kim' }, content: undefined });

async function send(kind: string, tos: string[], url = base) {
  const client = createProviderClient(ProviderConfig.parse({ kind, baseUrl: url }));
  try {
    return await client.send(
      tos.map((to, i) => unit(to, i)),
      { template: 'welcome' },
    );
  } finally {
    await client.close();
  }
}

describe('provider clients speak the wire contract', () => {
  it.each<[string, string[], UnitResult['kind'][], boolean]>([
    ['ses', ['ok@x'], ['sent'], false],
    ['ses', ['throttle@x'], ['throttled'], true],
    ['ses', ['bad@x'], ['failed'], false],
    ['sendgrid', ['ok@x'], ['sent'], false],
    ['sendgrid', ['throttle@x'], ['throttled'], true],
    ['fcm', ['device'], ['sent'], false],
    ['fcm', ['gone'], ['failed'], false],
    ['fcm', ['busy'], ['retry'], false],
    ['alimtalk', ['01011112222', 'mismatch', 'dup'], ['sent', 'failed', 'sent'], false],
    ['alimtalk', ['over', 'x'], ['throttled', 'throttled'], true],
    ['alimtalk', ['badtemplate'], ['failed'], false],
  ])('%s %j -> %j', async (kind, tos, kinds, paused) => {
    const result = await send(kind, tos);
    expect(result.results.map((r) => r.kind)).toEqual(kinds);
    expect(result.pauseMs !== undefined).toBe(paused);
  });

  it('carries the client key where the contract puts it', async () => {
    seen.length = 0;
    await send('fcm', ['device']);
    await send('ses', ['ok@x']);
    await send('sendgrid', ['ok@x']);
    expect(seen[0]).toMatchObject({ data: { client_key: 'ck-0', name: 'Kim' } });
    expect(seen[1]).toMatchObject({ EmailTags: [{ Name: 'client_key', Value: 'ck-0' }] });
    expect(seen[2]).toMatchObject({ personalizations: [{ custom_args: { client_key: 'ck-0' } }] });
  });

  it('retries a refused connection without flagging it uncertain', async () => {
    const result = await send('fcm', ['device'], 'http://127.0.0.1:1');
    expect(result.results[0]).toMatchObject({ kind: 'retry', uncertain: false });
  });
});
