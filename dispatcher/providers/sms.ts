import { smsTypeFor } from '../../src/core/index.ts';
import type { SmsAccount as SmsConfig } from '../kinds/sms.ts';
import { all, byStatus, createWireClient, networkFailure, parseJson, retryAfterMs, type WireClient } from './http.ts';
import type { BatchResult, ProviderClient, SendUnit, UnitResult } from './types.ts';
import { renderContent } from './types.ts';

interface SmsBody {
  header?: { isSuccessful?: boolean; resultCode?: number; resultMessage?: string };
  body?: { data?: { requestId?: string; sendResultList?: { recipientSeq?: number; resultCode?: number; resultMessage?: string }[] } };
}

/** Header resultCode of a request over the account's TPS. */
const TPS_EXCEEDED = -9997;

/** One request's worth: the units, the text each gets, and whether it is an SMS or an LMS. */
interface Group {
  type: 'SMS' | 'LMS';
  text: string;
  units: SendUnit[];
}

/**
 * A Korean SMS/LMS gateway client (NHN Cloud SMS v3.0 shape). A text of at most 90 EUC-KR bytes
 * goes as an SMS (`sender/sms`), a longer one as an LMS (`sender/mms` with the account's title);
 * the text is the campaign's `content`, or the account's own text for the template (SMS has no
 * templates at the provider). Units with the same text and type share a request; the row's client
 * key travels as `recipientGroupingKey`.
 */
export function createSmsClient(config: SmsConfig, batchSize: number): ProviderClient {
  const wire = createWireClient(config.baseUrl, config.maxInFlight, config.timeout);
  return {
    maxBatch: batchSize,
    async send(units, { template }) {
      const results: UnitResult[] = new Array(units.length);
      const groups = new Map<string, Group>();
      units.forEach((u, i) => {
        const source = u.content ?? (Object.hasOwn(config.templates, template) ? config.templates[template] : undefined);
        if (source === undefined) {
          results[i] = {
            kind: 'failed',
            error: `sms: no text for template "${template}" (give the campaign content, or add it to the account's templates)`,
          };
          return;
        }
        const text = u.content ?? renderContent(source, u.params);
        const type = smsTypeFor(text);
        if (type === null) {
          results[i] = { kind: 'failed', error: 'sms: the text cannot be sent (a character EUC-KR cannot encode, or over 2,000 bytes)' };
          return;
        }
        const key = `${type}\u0001${text}`;
        const group = groups.get(key) ?? { type, text, units: [] };
        group.units.push(u);
        groups.set(key, group);
      });
      const index = new Map(units.map((u, i) => [u, i]));
      let pauseMs: number | undefined;
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const answer = await sendGroup(wire, config, group);
          if (answer.pauseMs !== undefined) pauseMs = Math.max(pauseMs ?? 0, answer.pauseMs);
          group.units.forEach((u, j) => {
            results[index.get(u) as number] = answer.results[j] as UnitResult;
          });
        }),
      );
      return pauseMs === undefined ? { results } : { results, pauseMs };
    },
    close: () => wire.close(),
  };
}

async function sendGroup(wire: WireClient, config: SmsConfig, group: Group): Promise<BatchResult> {
  const { units } = group;
  const path = `/sms/v3.0/appKeys/${encodeURIComponent(config.appKey)}/sender/${group.type === 'SMS' ? 'sms' : 'mms'}`;
  const body = {
    ...(group.type === 'LMS' ? { title: config.lmsTitle } : {}),
    body: group.text,
    sendNo: config.sendNo,
    recipientList: units.map((u) => ({ recipientNo: u.to, recipientGroupingKey: u.clientKey })),
  };
  let res: Awaited<ReturnType<WireClient['post']>>;
  try {
    res = await wire.post(path, { 'x-secret-key': config.secretKey }, body);
  } catch (error) {
    return networkFailure(units, error);
  }
  const json = parseJson(res.text) as SmsBody | undefined;
  if (json?.header?.resultCode === TPS_EXCEEDED) return all(units, { kind: 'throttled' }, retryAfterMs(res, 1000));
  if (res.status !== 200 || !json?.header) return byStatus(units, res, 'sms');
  if (!json.header.isSuccessful)
    return all(units, { kind: 'failed', error: `sms header ${json.header.resultCode}: ${json.header.resultMessage ?? ''}` });
  const data = json.body?.data;
  const bySeq = new Map((data?.sendResultList ?? []).map((r, i) => [r.recipientSeq ?? i + 1, r]));
  return {
    results: units.map((_u, i): UnitResult => {
      const r = bySeq.get(i + 1);
      if (!r) return { kind: 'retry', error: 'sms: recipient missing from sendResultList', uncertain: true };
      if (r.resultCode === 0) return { kind: 'sent', messageId: `${data?.requestId ?? 'sms'}-${i + 1}` };
      return { kind: 'failed', error: `sms ${r.resultCode}: ${r.resultMessage ?? ''}` };
    }),
  };
}
