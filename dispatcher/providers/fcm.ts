import type { FcmAccount as FcmConfig } from '../kinds/fcm.ts';
import { byStatus, createWireClient, networkFailure, parseJson } from './http.ts';
import type { ProviderClient } from './types.ts';

/** FCM HTTP v1: one message a request; the client key travels in `data.client_key`. */
export function createFcmClient(config: FcmConfig): ProviderClient {
  const wire = createWireClient(config.baseUrl, config.maxInFlight, config.timeout);
  const path = `/v1/projects/${encodeURIComponent(config.projectId)}/messages:send`;
  const headers = { authorization: `Bearer ${config.accessToken}` };
  return {
    maxBatch: 1,
    async send(units, { template }) {
      const u = units[0];
      if (!u) return { results: [] };
      const message = {
        token: u.to,
        notification: { title: template, body: u.content ?? template },
        data: { ...u.params, client_key: u.clientKey },
      };
      try {
        const res = await wire.post(path, headers, { message });
        const json = parseJson(res.text) as { name?: string } | undefined;
        if (res.status === 200 && json?.name) return { results: [{ kind: 'sent', messageId: json.name }] };
        return byStatus(units, res, 'fcm');
      } catch (error) {
        return networkFailure(units, error);
      }
    },
    close: () => wire.close(),
  };
}
