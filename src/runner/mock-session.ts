import { request } from 'undici';
import { InputError, type Issue, ProviderStats, RunInvalidError } from '../core/index.ts';

/** Where one provider's mock lives, and what this run pushes to it. */
export interface MockEndpoint {
  /** Origin of the mock server (its admin API is `<adminUrl>/__mock/...`). */
  adminUrl: string;
  kind?: string;
  /** The admin API's bearer token, when the mock has one. */
  token?: string | null;
  /** Settings this run pushes for its duration (partial mock config), or null to push nothing. */
  push?: Readonly<Record<string, unknown>> | null;
}

/** One page of a provider's delivery feed (`GET /__mock/<name>/deliveries`). */
export interface DeliveryPage {
  cursor: number;
  head: number;
  entries: { recipient: string; at: number }[];
}

/**
 * Deliveries asked for per feed page. A page is parsed and handed to the campaigns in one
 * synchronous piece, on the event loop the pacer also runs on: a 10,000-entry page (the mock's
 * default, ~430 KB of JSON) held the loop 15-50 ms on a busy 2-core machine (`npm run
 * bench:tracking`), 1,000 entries about a tenth of that, and the round trip between pages gives the
 * loop back. The cost is more requests (10 a second at 10,000 deliveries a second): still O(N).
 */
export const FEED_PAGE_LIMIT = 1000;

/**
 * A run's hold on the mock providers it reads: begun with `POST /__mock/runs` on each mock server
 * (pushing the scenario's settings and starting a new epoch, so only this run's deliveries are
 * counted), read by run id (a mock that another run took over answers 409, never with someone
 * else's figures), and ended with `DELETE /__mock/runs/<id>` (the mock restores its own settings).
 */
export interface MockSession {
  /** Run-scoped provider stats. */
  stats(provider: string, timeout?: number): Promise<ProviderStats>;
  /** Deliveries after `after`, at most up to `until` (a `stats().delivered` snapshot). */
  deliveries(provider: string, after: number, until?: number): Promise<DeliveryPage>;
  /** Ends the run on every mock; returns what could not be ended (warnings, never thrown). */
  end(): Promise<string[]>;
  /** Things the run should report (e.g. it replaced an abandoned run). */
  readonly warnings: string[];
}

interface Server {
  origin: string;
  token: string | null;
  runId: string;
}

/** Retries of a read that timed out, was reset or answered 5xx. */
const READ_RETRIES = 3;

/** Thrown by the session's readers when a mock answered but refused (409 other run, 410 feed gone, 4xx). */
export class MockReadError extends Error {}

async function call(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  token: string | null,
  timeout: number,
  body?: unknown,
): Promise<{ status: number; json: unknown; text: string }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, json, text };
}

const errorText = (r: { json: unknown; text: string }) => ((r.json as { error?: unknown })?.error as string) ?? r.text.slice(0, 200);

/**
 * Begins a run on every mock server the providers name (grouped by origin). Refusals are typed for
 * the exit code: a mock that cannot be reached, answers 404 (not a floodgate mock origin: often the
 * provider's base URL was given instead of the server's) or 401 (token) makes the run impossible to
 * verify (RunInvalidError, exit 3); settings the mock rejects are bad input (InputError, exit 4)
 * with each problem under `system.providers.<name>.<key>`.
 */
export async function beginMockSession(
  providers: Readonly<Record<string, MockEndpoint>>,
  options: { name: string; timeout: number },
): Promise<MockSession> {
  const byOrigin = new Map<string, { token: string | null; pushes: Record<string, Readonly<Record<string, unknown>>> }>();
  for (const [name, p] of Object.entries(providers)) {
    const origin = p.adminUrl.replace(/\/+$/, '');
    const group = byOrigin.get(origin) ?? { token: p.token ?? null, pushes: {} };
    group.pushes[name] = p.push ?? {};
    byOrigin.set(origin, group);
  }
  const servers = new Map<string, Server>();
  const session = createSession(providers, servers, options.timeout);
  try {
    for (const [origin, group] of byOrigin) {
      const url = `${origin}/__mock/runs`;
      let res: Awaited<ReturnType<typeof call>>;
      try {
        res = await call('POST', url, group.token, options.timeout, { name: options.name, providers: group.pushes });
      } catch (error) {
        throw new RunInvalidError(
          'FG_MOCKS_UNREACHABLE',
          `the mock providers at ${origin} cannot be reached (${(error as Error).message}): nothing could be verified`,
        );
      }
      if (res.status === 400) {
        const issues = ((res.json as { issues?: Issue[] })?.issues ?? []).map((i) => ({ ...i, path: ['system', ...i.path] }));
        throw new InputError(
          'FG_CONFIG_INVALID',
          `the mock providers at ${origin} refused this scenario's provider settings: ${errorText(res)}`,
          { issues },
        );
      }
      if (res.status === 404) {
        throw new RunInvalidError(
          'FG_MOCKS_UNREACHABLE',
          `${url} answered 404: ${origin} is not a floodgate mock server's origin (give the server's origin, e.g. http://127.0.0.1:9090, not a provider's base URL such as .../alimtalk)`,
        );
      }
      if (res.status === 409) {
        throw new RunInvalidError('FG_MOCKS_UNREACHABLE', `the mock providers at ${origin} are in use by another run: ${errorText(res)}`);
      }
      if (res.status === 401) {
        throw new RunInvalidError(
          'FG_MOCKS_UNREACHABLE',
          `${url} answered 401: the mock's admin API needs its token (system.mocks.token, or FLOODGATE_MOCK_TOKEN)`,
        );
      }
      const runId = (res.json as { runId?: unknown })?.runId;
      if (res.status !== 201 || typeof runId !== 'string') {
        throw new RunInvalidError('FG_MOCKS_UNREACHABLE', `${url} answered ${res.status}: ${errorText(res)}`);
      }
      servers.set(origin, { origin, token: group.token, runId });
      const replaced = (res.json as { replaced?: unknown })?.replaced;
      if (typeof replaced === 'string') {
        session.warnings.push(
          `the mock at ${origin} still held run ${replaced}, abandoned by its reader; it was ended (its dispatcher may still be sending)`,
        );
      }
    }
  } catch (error) {
    await session.end();
    throw error;
  }
  return session;
}

function createSession(providers: Readonly<Record<string, MockEndpoint>>, servers: Map<string, Server>, timeout: number): MockSession {
  const serverOf = (provider: string): Server => {
    const p = Object.hasOwn(providers, provider) ? providers[provider] : undefined;
    const server = p ? servers.get(p.adminUrl.replace(/\/+$/, '')) : undefined;
    if (!server) throw new MockReadError(`no mock run holds provider ${provider}`);
    return server;
  };
  // Reads are idempotent (a cursor, a snapshot), so a time-out or a reset on a busy machine is retried
  // (after 0.5, 1 and 2 s) before the run calls the provider unverified; a refusal (4xx) is not.
  const read = async (provider: string, path: string, query: Record<string, number | string>, ms: number) => {
    const server = serverOf(provider);
    const qs = new URLSearchParams({ run: server.runId, ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])) });
    const url = `${server.origin}/__mock/${encodeURIComponent(provider)}/${path}?${qs}`;
    for (let attempt = 0; ; attempt++) {
      let res: Awaited<ReturnType<typeof call>> | null = null;
      let failure: string;
      try {
        res = await call('GET', url, server.token, ms);
        if (res.status === 200) return res.json;
        failure = `${url.split('?')[0]} answered ${res.status}: ${errorText(res)}`;
      } catch (error) {
        failure = `${url.split('?')[0]}: ${(error as Error).message}`;
      }
      const transient = res === null || res.status >= 500;
      if (!transient || attempt >= READ_RETRIES)
        throw new MockReadError(attempt > 0 ? `${failure} (after ${attempt + 1} attempts)` : failure);
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
  };
  return {
    warnings: [],
    async stats(provider, ms = timeout) {
      return ProviderStats.parse(await read(provider, 'stats', {}, ms));
    },
    async deliveries(provider, after, until) {
      const query = { after, limit: FEED_PAGE_LIMIT, ...(until !== undefined ? { until } : {}) };
      const page = (await read(provider, 'deliveries', query, timeout)) as DeliveryPage;
      if (!Array.isArray(page?.entries) || typeof page.cursor !== 'number')
        throw new MockReadError(`the delivery feed of ${provider} answered no page`);
      return page;
    },
    async end() {
      const warnings: string[] = [];
      for (const server of servers.values()) {
        try {
          const res = await call('DELETE', `${server.origin}/__mock/runs/${server.runId}`, server.token, timeout);
          if (res.status !== 200) warnings.push(`the mock run at ${server.origin} could not be ended (${res.status}: ${errorText(res)})`);
        } catch (error) {
          warnings.push(`the mock run at ${server.origin} could not be ended (${(error as Error).message})`);
        }
      }
      servers.clear();
      return warnings;
    },
  };
}
