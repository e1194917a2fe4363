import { request } from 'undici';
import { ProviderStats } from '../core/index.ts';

/** What a mock provider's ledger knows about one recipient. */
export interface LedgerEntry {
  recipient: string;
  /** Sends to this recipient the provider admitted. */
  accepted: number;
  /** Deliveries to this recipient (more than 1 is a duplicate). */
  delivered: number;
  /** Epoch ms of the first delivery, or null. */
  firstDeliveredAt: number | null;
}

/**
 * Where the runner reads what a provider actually received: the mock providers' admin API
 * in practice, a fake in tests. Works for any dispatcher that sends to floodgate's mocks.
 */
export interface LedgerSource {
  stats(): Promise<ProviderStats>;
  lookup(recipients: readonly string[]): Promise<LedgerEntry[]>;
}

async function call(url: string, timeout: number, body?: unknown): Promise<unknown> {
  const res = await request(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
  const text = await res.body.text();
  if (res.statusCode >= 400) throw new Error(`${url} answered ${res.statusCode}: ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/**
 * The mock providers' admin API: `GET <admin>/__mock/<provider>/stats` (ProviderStats) and
 * `POST <admin>/__mock/<provider>/lookup` with `{recipients}` (an array of
 * {@link LedgerEntry}, or `{entries: [...]}`).
 */
export function createHttpLedgerSource(adminUrl: string, provider: string, options: { timeout?: number } = {}): LedgerSource {
  const base = `${adminUrl.replace(/\/$/, '')}/__mock/${encodeURIComponent(provider)}`;
  const timeout = options.timeout ?? 10_000;
  return {
    async stats() {
      return ProviderStats.parse(await call(`${base}/stats`, timeout));
    },
    async lookup(recipients) {
      const body = await call(`${base}/lookup`, timeout, { recipients });
      const entries = Array.isArray(body) ? body : (body as { entries?: unknown }).entries;
      if (!Array.isArray(entries)) throw new Error(`${base}/lookup did not return a list of entries`);
      return entries as LedgerEntry[];
    },
  };
}
