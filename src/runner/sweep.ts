import autocannon from 'autocannon';
import type { SweepStats } from '../core/index.ts';
import { createLatencyHistogram } from '../stats/index.ts';

/**
 * The Universal Scalability Law fit the planner provides (`fitUsl` in src/planner), injected so
 * the runner does not depend on the planner. Points are concurrency `n` and throughput `x`.
 */
export type UslFitter = (points: { n: number; x: number }[]) => NonNullable<SweepStats['usl']>;

/** A sweep as the runner needs it (resolved from the scenario). */
export interface SweepSpec {
  name: string;
  method: string;
  path: string;
  headers: Readonly<Record<string, string>>;
  body?: unknown;
  concurrency: readonly number[];
  /** Per concurrency step, ms (autocannon measures whole seconds: rounded up). */
  duration: number;
  targetTps?: number;
}

/** Options for {@link runSweep}. */
export interface SweepOptions {
  origin: string;
  fit?: UslFitter;
  timeout: number;
  signal?: AbortSignal;
  onStep?: (concurrency: number, index: number) => void;
}

/**
 * A closed-loop concurrency sweep with autocannon, the tool made for it: at each step `n`
 * connections each send the next request as soon as the last response arrives, so the
 * throughput at `n` is what the system can serve with `n` requests outstanding. The points
 * then go to the USL fit for peak, knee and roof; headroom compares the peak (see
 * {@link capacityPeak}) with the target TPS: headroom = (peak - target) / target.
 *
 * Every response time is recorded into our own histogram (autocannon's summary has no p95
 * and is not mergeable). Closed-loop latency has no coordinated-omission correction on
 * purpose: here it is the service time at concurrency n, not a user's wait.
 */
export async function runSweep(spec: SweepSpec, options: SweepOptions): Promise<SweepStats> {
  const points: SweepStats['points'] = [];
  for (const [index, connections] of spec.concurrency.entries()) {
    if (options.signal?.aborted) break;
    options.onStep?.(connections, index);
    points.push(await runStep(spec, connections, options));
  }
  let usl: SweepStats['usl'] = null;
  if (options.fit && points.length >= 3) {
    try {
      const f = options.fit(points.map((p) => ({ n: p.concurrency, x: p.throughput })));
      usl = { alpha: f.alpha, beta: f.beta, gamma: f.gamma, nPeak: f.nPeak, xPeak: f.xPeak, xRoof: f.xRoof };
    } catch {
      usl = null; // too few or degenerate points: report the measurements without a model
    }
  }
  const peak = capacityPeak(points, usl);
  const target = spec.targetTps ?? null;
  return {
    name: spec.name,
    target: `${spec.method} ${spec.path}`,
    points,
    usl,
    targetTps: target,
    peak,
    headroom: target !== null && target > 0 && peak !== null ? (peak - target) / target : null,
  };
}

async function runStep(spec: SweepSpec, connections: number, options: SweepOptions): Promise<SweepStats['points'][number]> {
  const histogram = createLatencyHistogram();
  let first: number | undefined;
  let last = 0;
  let instance: autocannon.Instance | undefined;
  const stop = () => (instance as unknown as { stop(): void } | undefined)?.stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      instance = autocannon(
        {
          url: `${options.origin}${spec.path}`,
          method: spec.method as 'GET',
          headers: spec.body === undefined ? { ...spec.headers } : { 'content-type': 'application/json', ...spec.headers },
          ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
          connections,
          pipelining: 1,
          duration: Math.max(1, Math.ceil(spec.duration / 1000)),
          timeout: Math.max(1, Math.ceil(options.timeout / 1000)),
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
      instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
        const now = performance.now();
        first ??= now;
        last = now;
        histogram.record(responseTime);
      });
    });
    return {
      concurrency: connections,
      throughput: steadyThroughput(histogram.count, first, last, result),
      latency: histogram.toSummary(),
      errors: result.errors + result.non2xx,
    };
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
}

/**
 * Throughput in steady state: (responses - 1) / (last response - first response). Dividing all
 * responses by the step's wall time would count the first service time (no response can come
 * back before it) and the cut-off at the end as idle, understating X(N) by about s / duration.
 */
function steadyThroughput(responses: number, first: number | undefined, last: number, result: autocannon.Result): number {
  if (first !== undefined && responses >= 3 && last > first) return ((responses - 1) * 1000) / (last - first);
  return result.duration > 0 ? result.requests.total / result.duration : 0;
}

/**
 * The capacity a sweep supports. Past the fitted N*, the measurements are the evidence and the
 * fit's X(N*) is capped by the best measured throughput: the USL's smooth curve overshoots a
 * hard ceiling (3-8% on noiseless min(N, c)/s data), and a plan must not claim capacity that was
 * never seen. Short of N*, the fit's X(N*) extrapolates. Without a fit, the best measurement.
 */
export function capacityPeak(points: SweepStats['points'], usl: SweepStats['usl']): number | null {
  if (points.length === 0) return null;
  const measured = points.reduce((m, p) => Math.max(m, p.throughput), 0);
  if (!usl || usl.xPeak === null) return measured;
  const lastN = points.reduce((m, p) => Math.max(m, p.concurrency), 0);
  return usl.nPeak !== null && usl.nPeak <= lastN ? Math.min(usl.xPeak, measured) : usl.xPeak;
}
