import type { SesAccount as SesConfig } from '../kinds/ses.ts';
import { byStatus, createWireClient, networkFailure, parseJson } from './http.ts';
import type { ProviderClient } from './types.ts';

/** Amazon SES v2 SendEmail: one recipient a request; the client key is an EmailTag. */
export function createSesClient(config: SesConfig): ProviderClient {
  const wire = createWireClient(config.baseUrl, config.maxInFlight, config.timeout);
  return {
    maxBatch: 1,
    async send(units, { template }) {
      const u = units[0];
      if (!u) return { results: [] };
      const body = {
        FromEmailAddress: config.from,
        Destination: { ToAddresses: [u.to] },
        Content: { Simple: { Subject: { Data: template }, Body: { Text: { Data: u.content ?? template } } } },
        EmailTags: [{ Name: 'client_key', Value: u.clientKey }],
      };
      try {
        const res = await wire.post('/v2/email/outbound-emails', {}, body);
        const json = parseJson(res.text) as { MessageId?: string } | undefined;
        if (res.status === 200 && json?.MessageId) return { results: [{ kind: 'sent', messageId: json.MessageId }] };
        // SES sends no Retry-After on 429; byStatus falls back to one second.
        const answer = byStatus(units, res, 'ses');
        // The same 429 type answers the rate and the 24-hour quota; only the message tells them apart.
        return res.status === 429 && isQuotaMessage(res.text) ? { ...answer, quotaExhausted: true } : answer;
      } catch (error) {
        return networkFailure(units, error);
      }
    },
    close: () => wire.close(),
  };
}

/** SES's answer when the 24-hour quota is used up: "Daily message quota exceeded." (v2 429, v1 400 `Throttling`). */
export function isQuotaMessage(text: string): boolean {
  return /daily message quota exceeded/i.test(text);
}
