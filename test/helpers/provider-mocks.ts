import type { FastifyReply, FastifyRequest } from 'fastify';
import { createMockProviders, type MockProviders, type MocksConfigInput } from '../../mock-providers/index.ts';
import type { ProviderStats } from '../../src/core/index.ts';

/**
 * The real mock providers (mock-providers/) as the dispatcher tests use them: an Alimtalk
 * broker and FCM on one server, mounted as `/alimtalk` and `/fcm`, with what a dispatcher
 * test needs to see: deliveries per recipient (the mock's own ledger, over its admin API),
 * limits, faults and lost responses.
 */
export interface ProviderMocksOptions {
  /** Repeated client keys are answered with the original id and not delivered again. */
  dedupe?: boolean;
  /** Units per second on both providers (Alimtalk: a sliding 1 s log; FCM: 1 s windows); default none. */
  limit?: number;
  /** FCM fault rules (mock-providers/README.md, "faults"). */
  fcmFaults?: readonly Record<string, unknown>[];
  /**
   * FCM requests (1-based) whose response is lost: delivered, then held for 2 s so the sender
   * times out first. A hook on the mock's own server; released when the mocks close.
   */
  lostResponses?: ReadonlySet<number>;
}

/** Templates the dispatcher tests send: the default `welcome` (wants `name`) and two plain ones. */
export const TEST_TEMPLATES = {
  welcome: '안녕하세요 #{name}님, floodgate에 오신 것을 환영합니다.',
  t: 'floodgate test message',
  bench: 'floodgate bench message',
};

/** A running pair of mocks. */
export interface ProviderMocks {
  mocks: MockProviders;
  /** Base URLs: configure a dispatcher's `alimtalk` provider with `alimtalk`, `fcm` with `fcm`. */
  urls: { alimtalk: string; fcm: string };
  /** Admin API root (`.../__mock`). */
  adminUrl: string;
  stats(provider: 'alimtalk' | 'fcm'): ProviderStats;
  /** Deliveries per recipient asked about (recipients never delivered are left out). */
  deliveries(provider: 'alimtalk' | 'fcm', recipients: readonly string[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** Recipients a generator pattern like `device-{n}` or `010{n:8}` yields for n = 0 .. count - 1. */
export function generated(pattern: string, count: number): string[] {
  return Array.from({ length: count }, (_, n) =>
    pattern.replace(/\{n(?::(\d+))?\}/, (_m, width?: string) => String(n).padStart(Number(width ?? 0), '0')),
  );
}

/** The mocks' config for these options (a twin built from it hands out the same ids: same seed). */
export function providerMocksConfig(options: ProviderMocksOptions = {}): MocksConfigInput {
  const limit = options.limit ?? null;
  return {
    providers: {
      alimtalk: {
        kind: 'alimtalk',
        tps: limit,
        algorithm: 'sliding',
        dedupe: options.dedupe ?? false,
        templates: TEST_TEMPLATES,
        // The dispatcher tests that need reports post them themselves.
        callbacks: { url: null },
      },
      fcm: { kind: 'fcm', tps: limit, window: '1s', dedupe: options.dedupe ?? false, faults: [...(options.fcmFaults ?? [])] as never },
    },
  };
}

/** Starts both mocks on 127.0.0.1, port 0. */
export async function startProviderMocks(options: ProviderMocksOptions = {}): Promise<ProviderMocks> {
  const mocks = createMockProviders(providerMocksConfig(options));
  const releases = new Set<() => void>();
  if (options.lostResponses) holdLostResponses(mocks, options.lostResponses, releases);
  const { urls, adminUrl } = await mocks.listen();
  return {
    mocks,
    urls: { alimtalk: urls.alimtalk as string, fcm: urls.fcm as string },
    adminUrl,
    stats: (provider) => (mocks.providers[provider] as { stats(): ProviderStats }).stats(),
    async deliveries(provider, recipients) {
      const out = new Map<string, number>();
      for (let i = 0; i < recipients.length; i += 100_000) {
        const res = await fetch(`${adminUrl}/${provider}/lookup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ recipients: recipients.slice(i, i + 100_000) }),
        });
        const { entries } = (await res.json()) as { entries: { recipient: string; delivered: number }[] };
        for (const e of entries) if (e.delivered > 0) out.set(e.recipient, e.delivered);
      }
      return out;
    },
    async close() {
      for (const release of [...releases]) release();
      await mocks.close();
    },
  };
}

/**
 * Holds the answers of the numbered FCM sends for 2 s after the mock has recorded the delivery
 * (an onSend hook runs after the route handler): what a response lost on the way looks like.
 */
function holdLostResponses(mocks: MockProviders, lost: ReadonlySet<number>, releases: Set<() => void>): void {
  let sends = 0;
  mocks.app.addHook('onSend', async (request: FastifyRequest, _reply: FastifyReply, payload: unknown) => {
    if (request.method !== 'POST' || !request.url.startsWith('/fcm/') || !lost.has(++sends)) return payload;
    await new Promise<void>((resolve) => {
      const release = () => {
        releases.delete(release);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(release, 2000);
      releases.add(release);
    });
    return payload;
  });
}
