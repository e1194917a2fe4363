import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDispatcher, type Dispatcher, parseDispatcherConfig } from '../../dispatcher/index.ts';

/** The token every dispatcher test uses. */
export const TOKEN = 'test-token-0123456789';

/** A temp directory removed by `cleanup`. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'fg-dispatcher-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The provider section for the mocks' base URLs (test/helpers/provider-mocks.ts), or one URL serving both. */
export function providersFor(
  url: string | { alimtalk: string; fcm: string },
  extra: { tps?: string; batchSize?: number; maxInFlight?: number } = {},
) {
  const { batchSize, ...common } = extra;
  const base = typeof url === 'string' ? { alimtalk: url, fcm: url } : url;
  return {
    kakao: { kind: 'alimtalk', baseUrl: base.alimtalk, ...common, ...(batchSize ? { batchSize } : {}) },
    push: { kind: 'fcm', baseUrl: base.fcm, ...common },
  };
}

/** Starts an in-process dispatcher on 127.0.0.1:0 with a SQLite file in `dir`. */
export async function startDispatcher(dir: string, config: Record<string, unknown>): Promise<{ d: Dispatcher; url: string }> {
  const d = createDispatcher(parseDispatcherConfig({ token: TOKEN, db: join(dir, 'outbox.db'), port: 0, ...config }));
  const url = await d.listen();
  return { d, url };
}

/** Calls the API with the token (unless `token` is given, null = none) and parses JSON. */
export async function call(
  url: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; token?: string | null; raw?: string | Buffer } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | Buffer | undefined;
  if (init.raw !== undefined) body = init.raw;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${url}${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, json };
}

/** Polls a campaign until nothing is pending or in flight (or the deadline passes). */
export async function waitDone(url: string, id: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await call(url, `/v1/campaigns/${id}`);
    const counts = json.counts as Record<string, number> | undefined;
    if (counts && counts.pending === 0 && counts.claimed === 0 && counts.inFlight === 0) return json;
    if (Date.now() > deadline) throw new Error(`campaign ${id} not done in ${timeoutMs} ms: ${JSON.stringify(json)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
