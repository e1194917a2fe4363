import hdr from 'hdr-histogram-js';
import type {
  CampaignStats,
  LatencySummary,
  ProviderStats,
  Result,
  Rng,
  Series,
  SweepStats,
  TimelineSecond,
} from '../../src/core/index.ts';
import { createRng } from '../../src/core/index.ts';
import { makeResult } from './result-fixture.ts';

/** Knobs for {@link buildSampleResult}; everything has a realistic default. */
export interface SampleOptions {
  /** Run length in seconds (one timeline entry each). */
  seconds?: number;
  seed?: string | number;
  /** Intended request rate per second against the dispatcher's API. */
  rate?: number;
  /** Median of the per-request latency (lognormal), ms. */
  latencyMedianMs?: number;
  /** Added to every request's latency, ms (a regression). */
  latencyShiftMs?: number;
  /** Latency values drawn per second (the rest of the second's requests share its histogram). */
  samplesPerSecond?: number;
  /** The provider's TPS limit and the rate the dispatcher actually achieves. */
  limit?: number;
  achieved?: number;
  scenarioHash?: string;
  toolVersion?: string;
  duplicates?: number;
  lost?: number;
}

/** A standard normal draw (Box-Muller). */
function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** Summary of one second from its drawn values (exact), carrying the second's HdrHistogram. */
function summariseValues(values: number[], histogram: hdr.Histogram): LatencySummary {
  const sorted = values.sort((x, y) => x - y);
  // Nearest-rank percentile, as HdrHistogram reports it.
  const at = (p: number) => Math.round((sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number) * 1000) / 1000;
  return {
    count: sorted.length,
    min: at(0),
    mean: Math.round((sorted.reduce((a, b) => a + b, 0) / sorted.length) * 1000) / 1000,
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: at(100),
    hdr: hdr.encodeIntoCompressedBase64(histogram),
  };
}

function summarise(histogram: hdr.Histogram): LatencySummary {
  const count = histogram.totalCount;
  if (count === 0) return { count: 0, min: null, mean: null, p50: null, p90: null, p95: null, p99: null, p999: null, max: null };
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count,
    min: ms(histogram.minNonZeroValue),
    mean: ms(histogram.mean),
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
    hdr: hdr.encodeIntoCompressedBase64(histogram),
  };
}

/**
 * A realistic result as `floodgate run` would write it: a per-second timeline with real HdrHistograms
 * (microseconds, like the runner's), an Alimtalk provider at its TPS limit with per-second admits, a
 * campaign with its completion curve and backlog, a closed-loop sweep with a USL fit, and scraped
 * dispatcher series. Deterministic for a seed.
 */
export function buildSampleResult(options: SampleOptions = {}): Result {
  const seconds = options.seconds ?? 3600;
  const rng = createRng(options.seed ?? 'sample');
  const rate = options.rate ?? 180;
  const limit = options.limit ?? 200;
  const achieved = options.achieved ?? 195;
  const median = options.latencyMedianMs ?? 40;
  const shift = options.latencyShiftMs ?? 0;
  const perSecondSamples = options.samplesPerSecond ?? 40;
  const totalCorrected = hdr.build();
  const totalRaw = hdr.build();
  const timeline: TimelineSecond[] = [];
  for (let s = 0; s < seconds; s++) {
    // A stall every 10 minutes: sends leave late, so corrected latency rises above raw.
    const stall = s % 600 >= 300 && s % 600 < 305 ? 120 : 0;
    const weight = Math.max(1, Math.round(rate / perSecondSamples));
    const corrected = hdr.build();
    const raw = hdr.build();
    const rawValues: number[] = [];
    const correctedValues: number[] = [];
    for (let i = 0; i < perSecondSamples; i++) {
      const value = median * Math.exp(0.45 * gaussian(rng)) + shift;
      const lag = stall * rng.next();
      rawValues.push(value);
      correctedValues.push(value + lag);
      raw.recordValue(Math.round(value * 1000));
      corrected.recordValue(Math.round((value + lag) * 1000));
      // Each drawn value stands for rate/samples requests in the run's totals.
      totalRaw.recordValueWithCount(Math.round(value * 1000), weight);
      totalCorrected.recordValueWithCount(Math.round((value + lag) * 1000), weight);
    }
    const errors: Record<string, number> = rng.next() < 0.02 ? { http_5xx: 1 } : {};
    const sent = stall > 0 ? rate - 40 : rate - Math.round(rng.next() * 3);
    timeline.push({
      t: s * 1000,
      intended: rate,
      sent,
      completed: sent - Object.keys(errors).length - Math.round(rng.next() * 4),
      dropped: rate - sent,
      timeouts: 0,
      errors,
      latencyCorrected: summariseValues(correctedValues, corrected),
      latencyRaw: summariseValues(rawValues, raw),
      lagP99: stall > 0 ? stall : 0.8,
      lagMax: stall > 0 ? stall * 1.1 : 2,
    });
    corrected.destroy();
    raw.destroy();
  }
  const requests = timeline.reduce((n, t) => n + t.sent, 0);
  const completed = timeline.reduce((n, t) => n + t.completed, 0);
  const errorCount = requests - completed;
  const providerStats = buildProvider(rng, seconds, limit, achieved, options.duplicates ?? 0);
  const result = makeResult({
    timeline,
    http: {
      requests,
      completed,
      dropped: timeline.reduce((n, t) => n + t.dropped, 0),
      timeouts: 0,
      errors: { http_5xx: errorCount },
      latencyCorrected: summarise(totalCorrected),
      latencyRaw: summarise(totalRaw),
    },
    providers: { alimtalk: providerStats },
    campaigns: [buildCampaign(providerStats, seconds, options.lost ?? 0)],
    sweeps: [buildSweep(rng)],
    series: buildSeries(rng, seconds),
    generator: { eventLoopLagP99: 4.2, cpuPercentMax: 61, scheduleLagP99: 0.9 },
  });
  totalCorrected.destroy();
  totalRaw.destroy();
  result.meta.duration = seconds * 1000;
  result.meta.endedAt = new Date(Date.parse(result.meta.startedAt) + seconds * 1000).toISOString();
  result.meta.scenario = { name: 'alimtalk-420k', file: 'scenarios/alimtalk-420k.yaml', hash: options.scenarioHash ?? 'sha256:5ce7a1' };
  if (options.toolVersion) result.meta.tool.version = options.toolVersion;
  return result;
}

function buildProvider(rng: Rng, seconds: number, limit: number, achieved: number, duplicates: number): ProviderStats {
  const perSecond = [];
  let admitted = 0;
  let rejected = 0;
  let peak = 0;
  for (let s = 0; s < seconds; s++) {
    const a = Math.min(limit, Math.round(achieved + (rng.next() - 0.5) * 8));
    const r = achieved > limit ? Math.round(achieved - limit) : 0;
    perSecond.push({ t: s * 1000, admitted: a, rejected: r });
    admitted += a;
    rejected += r;
    peak = Math.max(peak, a);
  }
  return {
    kind: 'alimtalk',
    limitPerSecond: limit,
    unit: 'recipients',
    admitted,
    rejected,
    maxPerSecondWindow: peak,
    maxPerMinuteWindow: Math.min(limit * 60, Math.round(achieved * 60)),
    perSecond,
    duplicates,
    duplicateDeliveries: duplicates * 3,
    deliveriesPerRecipient:
      duplicates > 0 ? { '1': admitted - duplicates * 4, '2': duplicates / 2, '6': duplicates / 2 } : { '1': admitted },
    offenders: duplicates > 0 ? [{ recipient: '010-0000-0001', count: 6 }] : [],
    callbacks: { sent: admitted, delivered: admitted - 3, failed: 3, attempts: admitted + 12 },
  };
}

function buildCampaign(provider: ProviderStats, seconds: number, lost: number): CampaignStats {
  const requested = provider.admitted;
  const curve: [number, number][] = [];
  const backlog: [number, number][] = [];
  let delivered = 0;
  for (const second of provider.perSecond) {
    delivered += second.admitted;
    curve.push([second.t, Math.min(delivered, requested - lost)]);
    backlog.push([second.t, requested - delivered]);
  }
  const at = (share: number) => provider.perSecond.find((_, i) => (curve[i]?.[1] ?? 0) >= share * requested)?.t ?? null;
  return {
    name: 'welcome',
    channel: 'alimtalk',
    provider: 'alimtalk',
    requested,
    accepted: requested,
    delivered: requested - lost,
    lost,
    duplicated: provider.duplicates,
    drainTime: lost > 0 ? null : seconds * 1000,
    deadline: seconds * 1000 * 1.1,
    completion: { p50: at(0.5), p95: at(0.95), p100: lost > 0 ? null : seconds * 1000 },
    curve,
    backlog,
  };
}

function buildSweep(rng: Rng): SweepStats {
  // USL (Gunther 2007): X(N) = γN / (1 + α(N-1) + βN(N-1)); peak at N* = sqrt((1-α)/β).
  const usl = { alpha: 0.03, beta: 0.0004, gamma: 95 };
  const x = (n: number) => (usl.gamma * n) / (1 + usl.alpha * (n - 1) + usl.beta * n * (n - 1));
  const nPeak = Math.sqrt((1 - usl.alpha) / usl.beta);
  const points = [1, 2, 4, 8, 16, 32, 48, 64, 96].map((concurrency) => {
    const throughput = x(concurrency) * (1 + (rng.next() - 0.5) * 0.06);
    const mean = (concurrency / throughput) * 1000;
    return {
      concurrency,
      throughput,
      latency: {
        count: 1000,
        min: mean / 3,
        mean,
        p50: mean * 0.9,
        p90: mean * 1.6,
        p95: mean * 2,
        p99: mean * 3,
        p999: mean * 4,
        max: mean * 5,
      },
      errors: 0,
    };
  });
  const xPeak = x(nPeak);
  return {
    name: 'api',
    target: 'POST /v1/messages',
    points,
    usl: { ...usl, nPeak, xPeak, xRoof: usl.gamma / usl.alpha },
    targetTps: 375,
    headroom: (xPeak - 375) / 375,
  };
}

function buildSeries(rng: Rng, seconds: number): Series[] {
  const source = 'http://127.0.0.1:8080/metrics';
  const rss: [number, number][] = [];
  const pool: [number, number][] = [];
  const queue: [number, number][] = [];
  for (let s = 0; s < seconds; s++) {
    rss.push([s * 1000, 90e6 + 30e6 * Math.sin(s / 300) ** 2 + rng.next() * 4e6]);
    pool.push([s * 1000, Math.round(6 + rng.next() * 4)]);
    queue.push([s * 1000, Math.round(20 + 15 * Math.sin(s / 45) + rng.next() * 10)]);
  }
  return [
    { name: 'dispatcher.rss', labels: {}, source, points: rss },
    { name: 'dispatcher.pool.active', labels: { pool: 'db' }, source, points: pool },
    { name: 'dispatcher.queue.depth', labels: { queue: 'send' }, source, points: queue },
  ];
}
