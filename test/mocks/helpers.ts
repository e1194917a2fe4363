import { createMockProviders, type MockOptions, type MocksConfigInput } from '../../mock-providers/index.ts';

/** Starts mocks on 127.0.0.1:0; the caller must `close()` (afterEach/finally). */
export async function startMocks(config: MocksConfigInput, options: MockOptions = {}) {
  const mocks = createMockProviders(config, options);
  const { urls, adminUrl } = await mocks.listen();
  return { mocks, urls: urls as Record<string, string>, adminUrl, close: () => mocks.close() };
}

/** A response read whole. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions dig into provider bodies
  json: any;
}

/** POSTs JSON (or a raw string) over real HTTP and reads the whole answer. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** GETs JSON from the admin API. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions dig into admin bodies
export async function getJson(url: string): Promise<any> {
  const response = await fetch(url);
  return response.json();
}

/** An FCM request body. */
export function fcmBody(token: string, clientKey?: string) {
  return { message: { token, notification: { title: 'Sale', body: '50% off' }, data: clientKey ? { client_key: clientKey } : {} } };
}

/** An Alimtalk request body for the default `welcome` template. */
export function alimtalkBody(recipients: { no: string; name?: string; content?: string; clientKey?: string }[], templateCode = 'welcome') {
  return {
    senderKey: 'floodgate-sender',
    templateCode,
    recipientList: recipients.map((r) => ({
      recipientNo: r.no,
      templateParameter: r.name === undefined ? {} : { name: r.name },
      ...(r.content === undefined ? {} : { content: r.content }),
      ...(r.clientKey === undefined ? {} : { clientKey: r.clientKey }),
    })),
  };
}

/** The Alimtalk send path under a provider's base URL. */
export const ALIMTALK_PATH = '/alimtalk/v2.3/appkeys/floodgate-app/messages';
