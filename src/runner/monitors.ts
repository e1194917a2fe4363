import { type EventLoopUtilization, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { request } from 'undici';
import type { Clock, Series } from '../core/index.ts';
import { parsePrometheusText } from './prometheus.ts';

/** A Prometheus endpoint to scrape and the series to keep. */
export interface PrometheusMonitor {
  name?: string;
  /** Absolute, or a path on the target. */
  url: string;
  /** Metric names, or `{ metric, as }` to keep a metric under a short name. */
  series: readonly (string | { readonly metric: string; readonly as: string })[];
}

/** What the monitors collected. */
export interface MonitorReport {
  series: Series[];
  /** One message per endpoint that failed, with how often. */
  scrapeErrors: string[];
  eventLoopLagP99: number | null;
  cpuPercentMax: number | null;
  /** Highest event-loop utilisation of any interval (0..1): how busy the pacer's thread was. */
  loopBusyMax: number | null;
}

/** Samples the runner's own health and scrapes Prometheus endpoints every `interval` ms. */
export interface Monitors {
  stop(): Promise<MonitorReport>;
}

/** Options for {@link startMonitors}. */
export interface MonitorOptions {
  prometheus: readonly PrometheusMonitor[];
  origin: string;
  interval: number;
  clock: Clock;
  runStart: number;
  /** The process's CPU time (process.cpuUsage, injected: only the CLI touches `process`). */
  cpuUsage?: () => { user: number; system: number };
  timeout?: number;
  /** Is a planned dispatcher restart under way? A scrape that fails then is the fault's doing, not an error. */
  restarting?: () => boolean;
}

function key(name: string, labels: Record<string, string>): string {
  return `${name}${JSON.stringify(Object.entries(labels).sort())}`;
}

/**
 * Starts the monitors. Generator health: event-loop delay from perf_hooks (p99 per interval,
 * in ms), event-loop utilisation (the pacer thread's busy share, what saturates first) and
 * process CPU as a percentage of one core, (delta user + system CPU us) / (delta wall us) x 100
 * (all threads, so it can pass 100%), sampled each interval; all kept as `generator.*` series. Scrapes run on the
 * same interval; a failed scrape is counted, never fatal.
 */
export function startMonitors(options: MonitorOptions): Monitors {
  const { clock, runStart } = options;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const series = new Map<string, Series>();
  const errors = new Map<string, number>();
  const push = (name: string, labels: Record<string, string>, source: string, t: number, value: number) => {
    const k = key(name, labels);
    const s = series.get(k) ?? { name, labels, source, points: [] };
    series.set(k, s);
    s.points.push([t, value]);
  };
  let lastCpu = options.cpuUsage?.();
  let lastWall = clock.now();
  let lagMax: number | null = null;
  let cpuMax: number | null = null;
  let elu: EventLoopUtilization = performance.eventLoopUtilization();
  let busyMax: number | null = null;
  const sampleGenerator = () => {
    const now = clock.now();
    const t = Math.max(0, Math.round(now - runStart));
    if (loop.count > 0) {
      const p99 = loop.percentile(99) / 1e6;
      lagMax = Math.max(lagMax ?? 0, p99);
      push('generator.eventLoopDelayP99', {}, 'runner', t, p99);
      loop.reset();
    }
    const cpu = options.cpuUsage?.();
    // Intervals under 200 ms make the ratio noise (one GC pause reads as 100%).
    if (cpu && lastCpu && now - lastWall >= 200) {
      const percent = ((cpu.user - lastCpu.user + cpu.system - lastCpu.system) / ((now - lastWall) * 1000)) * 100;
      cpuMax = Math.max(cpuMax ?? 0, percent);
      push('generator.cpuPercent', {}, 'runner', t, Math.round(percent * 10) / 10);
    }
    if (now - lastWall >= 200) {
      const delta = performance.eventLoopUtilization(elu);
      elu = performance.eventLoopUtilization();
      busyMax = Math.max(busyMax ?? 0, delta.utilization);
      push('generator.eventLoopUtilization', {}, 'runner', t, Math.round(delta.utilization * 1000) / 1000);
      lastCpu = cpu;
      lastWall = now;
    }
  };
  const scrape = async (m: PrometheusMonitor) => {
    const url = m.url.startsWith('/') ? `${options.origin}${m.url}` : m.url;
    try {
      const res = await request(url, { headersTimeout: options.timeout ?? 2000, bodyTimeout: options.timeout ?? 2000 });
      const text = await res.body.text();
      if (res.statusCode >= 400) throw new Error(`HTTP ${res.statusCode}`);
      const t = Math.max(0, Math.round(clock.now() - runStart));
      const wanted = new Map(m.series.map((entry) => (typeof entry === 'string' ? [entry, entry] : [entry.metric, entry.as])));
      for (const s of parsePrometheusText(text)) {
        const as = wanted.get(s.name);
        if (as !== undefined && Number.isFinite(s.value)) push(m.name ? `${m.name}.${as}` : as, s.labels, url, t, s.value);
      }
    } catch (error) {
      // A gap in the series shows the planned downtime; the downtime itself is in result.faults.
      if (options.restarting?.()) return;
      const message = `${url}: ${(error as Error).message}`;
      errors.set(message, (errors.get(message) ?? 0) + 1);
    }
  };
  // Every scrape still running, so stop() waits for all of them (not just the latest tick's).
  const inflight = new Set<Promise<unknown>>();
  const tick = () => {
    sampleGenerator();
    const p = Promise.all(options.prometheus.map(scrape));
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };
  const cancel = clock.every(options.interval, tick);
  tick();
  return {
    async stop() {
      cancel();
      await Promise.all(inflight);
      sampleGenerator();
      loop.disable();
      return {
        series: [...series.values()],
        scrapeErrors: [...errors].map(([m, n]) => `scrape failed ${n} time(s): ${m}`),
        eventLoopLagP99: lagMax === null ? null : Math.round((lagMax as number) * 1000) / 1000,
        cpuPercentMax: cpuMax === null ? null : Math.round((cpuMax as number) * 10) / 10,
        loopBusyMax: busyMax === null ? null : Math.round((busyMax as number) * 1000) / 1000,
      };
    },
  };
}
