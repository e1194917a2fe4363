import type { SendgridAccount as SendgridConfig } from '../kinds/sendgrid.ts';
import { all, byStatus, createWireClient, header, networkFailure } from './http.ts';
import type { ProviderClient } from './types.ts';

/** SendGrid v3 mail/send: one personalization a request (the limit counts requests). */
export function createSendgridClient(config: SendgridConfig): ProviderClient {
  const wire = createWireClient(config.baseUrl, config.maxInFlight, config.timeout);
  return {
    maxBatch: 1,
    async send(units, { template }) {
      const u = units[0];
      if (!u) return { results: [] };
      const body = {
        personalizations: [{ to: [{ email: u.to }], custom_args: { client_key: u.clientKey } }],
        from: { email: config.from },
        subject: template,
        content: [{ type: 'text/plain', value: u.content ?? template }],
      };
      try {
        const res = await wire.post('/v3/mail/send', { authorization: `Bearer ${config.apiKey}` }, body);
        const id = header(res, 'x-message-id');
        if (res.status === 202 && id) return { results: [{ kind: 'sent', messageId: id }] };
        if (res.status === 429) {
          // The window resets at X-RateLimit-Reset (epoch seconds): pause until then.
          const reset = Number(header(res, 'x-ratelimit-reset'));
          const pause = Number.isFinite(reset) ? Math.min(60_000, Math.max(0, reset * 1000 - Date.now())) : 1000;
          return all(units, { kind: 'throttled' }, pause || 1000);
        }
        return byStatus(units, res, 'sendgrid');
      } catch (error) {
        return networkFailure(units, error);
      }
    },
    close: () => wire.close(),
  };
}
