import type { LatencySummary, ProviderStats, Result } from '../../src/core/index.ts';

/** A latency summary with the given percentiles (ms). */
export function latency(p: Partial<LatencySummary> = {}): LatencySummary {
  return { count: 1000, min: 5, mean: 40, p50: 35, p90: 80, p95: 120, p99: 190, p999: 250, max: 300, ...p };
}

/** Provider stats for an Alimtalk-like mock. */
export function provider(p: Partial<ProviderStats> = {}): ProviderStats {
  return {
    kind: 'alimtalk',
    limitPerSecond: 200,
    unit: 'recipients',
    admitted: 4200,
    rejected: 0,
    maxPerSecondWindow: 200,
    maxPerMinuteWindow: 12_000,
    perSecond: [],
    duplicates: 0,
    duplicateDeliveries: 0,
    deliveriesPerRecipient: { '1': 4200 },
    offenders: [],
    callbacks: null,
    ...p,
  };
}

/** A small, valid result; override any part. */
export function makeResult(overrides: Partial<Result> = {}): Result {
  return {
    schemaVersion: 1,
    meta: {
      tool: { name: 'floodgate', version: '0.1.0' },
      gitCommit: null,
      scenario: { name: 'fixture', file: null, hash: 'sha256:0' },
      scale: 1,
      startedAt: '2026-11-23T07:00:00.000Z',
      endedAt: '2026-11-23T07:00:21.000Z',
      duration: 21_000,
      aborted: false,
      machine: { hostname: 'h', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'cpu', memory: 24e9, node: 'v20' },
      target: { kind: 'embedded', url: null },
    },
    validity: { verdict: 'VALID', reasons: [] },
    timeline: [],
    http: {
      requests: 1000,
      completed: 990,
      dropped: 0,
      timeouts: 2,
      errors: { http_5xx: 8 },
      latencyCorrected: latency(),
      latencyRaw: latency({ p95: 100 }),
    },
    providers: { alimtalk: provider() },
    campaigns: [
      {
        name: 'welcome',
        channel: 'alimtalk',
        provider: 'alimtalk',
        requested: 4200,
        accepted: 4200,
        delivered: 4200,
        lost: 0,
        duplicated: 0,
        drainTime: 21_000,
        deadline: 24_000,
        completion: { p50: 10_500, p95: 20_000, p100: 21_000 },
        curve: [],
        backlog: [],
      },
    ],
    sweeps: [],
    series: [
      {
        name: 'dispatcher.rss',
        labels: {},
        source: 'http://127.0.0.1/metrics',
        points: [
          [0, 80e6],
          [1000, 120e6],
          [2000, 90e6],
        ],
      },
    ],
    generator: { eventLoopLagP99: 3, cpuPercentMax: 40, scheduleLagP99: 1.2 },
    thresholds: [],
    verdict: { status: 'pass', exitCode: 0, reasons: [] },
    ...overrides,
  };
}
