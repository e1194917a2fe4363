import { createMockProviders, type MockProviders } from '../../mock-providers/index.ts';
import { call, providersFor, TOKEN, tempDir, waitDone } from './harness.ts';
import { type DispatcherProcess, killDispatcher, spawnDispatcher, writeConfig } from './process.ts';

/** What one multi-instance run measured at the provider. */
export interface InstancesRun {
  instances: number;
  recipients: number;
  /** Most units the mock admitted in any sliding 1 s window (its own recorder). */
  maxSlidingSecond: number;
  /** Units per second from the first to the last admitted request (the mock's journal). */
  achievedPerSecond: number;
  /** Wall time from the campaign's 201 to all rows final, and recipients / that. */
  seconds: number;
  messagesPerSecond: number;
  deliveries: number;
  duplicates: number;
  rejected: number;
}

/** Options of {@link runInstances}. */
export interface InstancesOptions {
  instances: number;
  recipients: number;
  /** The store all instances share (a PostgreSQL URL). */
  db: string;
  /** The dispatcher's limit for the account (`200/s`); absent: unlimited. */
  tps?: string;
  /** The mock's own limit; null admits everything and only measures. */
  mockTps: number | null;
  /** The mock's latency (ms): median and p99 of a lognormal. */
  latency?: { median: number; p99: number };
  batchSize?: number;
  maxInFlight?: number;
  timeoutMs?: number;
}

/**
 * Runs one campaign through N dispatcher processes on one store against an in-process Alimtalk
 * mock over real HTTP, and reads what the mock measured. Every process and the mock are
 * stopped before it returns.
 */
export async function runInstances(o: InstancesOptions): Promise<InstancesRun> {
  const mocks: MockProviders = createMockProviders({
    providers: {
      kakao: {
        kind: 'alimtalk',
        tps: o.mockTps,
        algorithm: 'sliding',
        ...(o.latency ? { latency: o.latency } : {}),
        journal: Math.max(10_000, o.recipients),
      },
    },
  });
  const { urls, adminUrl } = await mocks.listen();
  const t = tempDir();
  const running: DispatcherProcess[] = [];
  try {
    const kakao = providersFor(urls.kakao as string, {
      ...(o.tps ? { tps: o.tps } : {}),
      batchSize: o.batchSize ?? 1000,
      maxInFlight: o.maxInFlight ?? 16,
    }).kakao;
    const file = writeConfig(t.dir, { token: TOKEN, db: o.db, port: 0, providers: { kakao }, sender: { lease: '5s' } });
    running.push(...(await Promise.all(Array.from({ length: o.instances }, () => spawnDispatcher(file)))));
    const first = running[0] as DispatcherProcess;
    const started = Date.now();
    const created = await call(first.url, '/v1/campaigns', {
      body: { channel: 'alimtalk', template: 'welcome', params: { name: 'Kim' }, generator: { count: o.recipients, pattern: '010{n:8}' } },
    });
    if (created.status !== 201) throw new Error(`campaign refused: ${JSON.stringify(created.json)}`);
    for (const p of running) await call(p.url, '/healthz');
    await waitDone(first.url, created.json.id as string, o.timeoutMs ?? 300_000);
    const seconds = (Date.now() - started) / 1000;
    const runtime = mocks.providers.kakao;
    const stats = runtime?.stats();
    const admitted = (runtime?.journal(0, Math.max(10_000, o.recipients)).entries ?? []).filter((e) => e.outcome === 'accepted');
    const units = admitted.reduce((n, e) => n + e.units, 0);
    const span = ((admitted.at(-1)?.t ?? 0) - (admitted[0]?.t ?? 0)) / 1000;
    const all = Array.from({ length: o.recipients }, (_, n) => `010${String(n).padStart(8, '0')}`);
    const res = await fetch(`${adminUrl}/kakao/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ recipients: all }),
    });
    const { entries } = (await res.json()) as { entries: { recipient: string; delivered: number }[] };
    const delivered = entries.filter((e) => e.delivered > 0);
    return {
      instances: o.instances,
      recipients: o.recipients,
      maxSlidingSecond: stats?.maxPerSecondWindow ?? 0,
      achievedPerSecond: span > 0 ? Math.round((units - (admitted.at(-1)?.units ?? 0)) / span) : 0,
      seconds,
      messagesPerSecond: Math.round(o.recipients / seconds),
      deliveries: delivered.length,
      duplicates: delivered.filter((e) => e.delivered > 1).length,
      rejected: stats?.rejected ?? 0,
    };
  } finally {
    await Promise.all(running.map((p) => killDispatcher(p, 'SIGTERM')));
    await mocks.close();
    t.cleanup();
  }
}
