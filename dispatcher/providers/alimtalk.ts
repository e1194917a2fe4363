import type { AlimtalkAccount as AlimtalkConfig } from '../kinds/alimtalk.ts';
import { all, byStatus, createWireClient, header, networkFailure, parseJson, retryAfterMs } from './http.ts';
import type { ProviderClient, SendUnit, UnitResult } from './types.ts';

interface AlimtalkBody {
  header?: { isSuccessful?: boolean; resultCode?: number; resultMessage?: string };
  message?: {
    sendResults?: { recipientSeq?: number; clientKey?: string; resultCode?: number; resultMessage?: string; messageId?: string }[];
  };
}

/** Per-recipient resultCode -1005: a client key the broker already accepted (wire contract). */
const DUPLICATE_CLIENT_KEY = -1005;
/** Per-recipient resultCode 3019: the number is not a KakaoTalk user; an SMS may reach it (the account's `fallback`). */
const NOT_KAKAO_USER = 3019;
/** Header resultCode -2001: over the TPS limit (mode `code` answers it with HTTP 200). */
const TPS_EXCEEDED = -2001;

/**
 * The Alimtalk broker client (NHN-Cloud-like shape in the wire contract): up to 1,000
 * recipients a request, each with the row's client key, answered per recipient.
 */
export function createAlimtalkClient(config: AlimtalkConfig, batchSize: number): ProviderClient {
  const wire = createWireClient(config.baseUrl, config.maxInFlight, config.timeout);
  const path = `/alimtalk/v2.3/appkeys/${encodeURIComponent(config.appKey)}/messages`;
  return {
    maxBatch: batchSize,
    async send(units, { template }) {
      const body = {
        senderKey: config.senderKey,
        templateCode: template,
        recipientList: units.map((u) => ({
          recipientNo: u.to,
          templateParameter: u.params,
          ...(u.content === undefined ? {} : { content: u.content }),
          clientKey: u.clientKey,
        })),
      };
      let res: Awaited<ReturnType<typeof wire.post>>;
      try {
        res = await wire.post(path, { 'x-secret-key': config.secretKey }, body);
      } catch (error) {
        return networkFailure(units, error);
      }
      const json = parseJson(res.text) as AlimtalkBody | undefined;
      if (res.status !== 200 || !json?.header) return byStatus(units, res, 'alimtalk');
      if (json.header.resultCode === TPS_EXCEEDED) return all(units, { kind: 'throttled' }, retryAfterMs(res, 1000));
      if (!json.header.isSuccessful) {
        const code = json.header.resultCode ?? header(res, 'resultcode');
        return all(units, { kind: 'retry', error: `alimtalk header ${code}: ${json.header.resultMessage ?? ''}`, uncertain: false });
      }
      return { results: toResults(units, json) };
    },
    close: () => wire.close(),
  };
}

function toResults(units: readonly SendUnit[], json: AlimtalkBody): UnitResult[] {
  const byKey = new Map(
    (json.message?.sendResults ?? []).map((r, i) => [r.clientKey ?? units[(r.recipientSeq ?? i + 1) - 1]?.clientKey, r]),
  );
  return units.map((u): UnitResult => {
    const r = byKey.get(u.clientKey);
    if (!r) return { kind: 'retry', error: 'alimtalk: recipient missing from sendResults', uncertain: true };
    if ((r.resultCode === 0 || r.resultCode === DUPLICATE_CLIENT_KEY) && r.messageId) return { kind: 'sent', messageId: r.messageId };
    const error = `alimtalk ${r.resultCode}: ${r.resultMessage ?? ''}`;
    return r.resultCode === NOT_KAKAO_USER ? { kind: 'failed', error, fallback: true } : { kind: 'failed', error };
  });
}
