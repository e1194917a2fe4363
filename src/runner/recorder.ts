import type { LatencySummary, TimelineSecond } from '../core/index.ts';
import { createLatencyHistogram } from '../stats/index.ts';

/** Why an arrival was not sent: the in-flight cap was full, or the generator was too late for it. */
export type DropReason = 'inflight' | 'late';

/** How a request ended: a response (with its status class), a timeout, or a transport error. */
export type Outcome = { kind: 'response'; status: number } | { kind: 'timeout' } | { kind: 'error'; errorClass: string };

/** Live figures for the progress line. */
export interface RecorderSnapshot {
  intended: number;
  sent: number;
  completed: number;
  dropped: number;
  timeouts: number;
  errors: number;
  inFlight: number;
  /** The last full second: intended and achieved send rate, corrected p95. */
  lastSecond: { intended: number; sent: number; p95: number | null } | null;
}

/** Everything the pacers measured, for the result. */
export interface RecorderTotals {
  requests: number;
  completed: number;
  dropped: number;
  droppedBy: Record<DropReason, number>;
  timeouts: number;
  errors: Record<string, number>;
  latencyCorrected: LatencySummary;
  latencyRaw: LatencySummary;
  scheduleLag: LatencySummary;
  timeline: TimelineSecond[];
}

interface Second {
  intended: number;
  sent: number;
  completed: number;
  dropped: number;
  timeouts: number;
  errors: Record<string, number>;
}

/**
 * The open-model measurements of a run, shared by every phase. Times are ms from the run's
 * start. Counts are kept per second in plain arrays (an arrival counts in the second it was
 * intended for, a send in the second it left, a completion in the second it ended); the
 * per-second histograms only ever exist for the current second, because events arrive in
 * time order, so memory stays flat however long the run.
 */
export interface Recorder {
  intended(at: number): void;
  dropped(intendedAt: number, reason: DropReason): void;
  sent(now: number, lag: number): void;
  /** A request ended at `now`; `corrected` from its intended time, `raw` from its send. */
  completed(now: number, corrected: number, raw: number, outcome: Outcome): void;
  /** Closes every second before `now` (call at least once a second for live figures). */
  tick(now: number): void;
  snapshot(): RecorderSnapshot;
  /** Closes the open second and returns the totals. */
  finish(now: number): RecorderTotals;
}

/** Maps an outcome to an error class, or null for a success (2xx, 3xx). */
export function errorClass(outcome: Outcome): string | null {
  if (outcome.kind === 'timeout') return null;
  if (outcome.kind === 'error') return outcome.errorClass;
  if (outcome.status >= 500) return 'http_5xx';
  if (outcome.status >= 400) return 'http_4xx';
  return null;
}

/** Creates an empty recorder. */
export function createRecorder(): Recorder {
  const seconds: Second[] = [];
  const closed: { corrected: LatencySummary; raw: LatencySummary; lagP99: number | null; lagMax: number | null }[] = [];
  const total = { corrected: createLatencyHistogram(), raw: createLatencyHistogram(), lag: createLatencyHistogram() };
  let open = { corrected: createLatencyHistogram(), raw: createLatencyHistogram(), lag: createLatencyHistogram() };
  let openIndex = 0;
  const counts = { intended: 0, sent: 0, completed: 0, dropped: 0, timeouts: 0, errors: 0 };
  let finished = 0;
  const droppedBy: Record<DropReason, number> = { inflight: 0, late: 0 };
  const errors: Record<string, number> = {};

  const second = (ms: number): Second => {
    const i = Math.max(0, Math.floor(ms / 1000));
    while (seconds.length <= i) seconds.push({ intended: 0, sent: 0, completed: 0, dropped: 0, timeouts: 0, errors: {} });
    return seconds[i] as Second;
  };
  const closeUntil = (ms: number) => {
    const target = Math.max(0, Math.floor(ms / 1000));
    while (openIndex < target) {
      closed[openIndex] = {
        corrected: open.corrected.toSummary(),
        raw: open.raw.toSummary(),
        lagP99: open.lag.percentile(99),
        lagMax: open.lag.percentile(100),
      };
      total.corrected.merge(open.corrected);
      total.raw.merge(open.raw);
      total.lag.merge(open.lag);
      open = { corrected: createLatencyHistogram(), raw: createLatencyHistogram(), lag: createLatencyHistogram() };
      second(openIndex * 1000);
      openIndex++;
    }
  };
  const add = (map: Record<string, number>, key: string) => {
    map[key] = (map[key] ?? 0) + 1;
  };

  return {
    intended(at) {
      second(at).intended++;
      counts.intended++;
    },
    dropped(intendedAt, reason) {
      second(intendedAt).dropped++;
      counts.dropped++;
      droppedBy[reason]++;
    },
    sent(now, lag) {
      closeUntil(now);
      second(now).sent++;
      counts.sent++;
      open.lag.record(lag);
    },
    completed(now, corrected, raw, outcome) {
      closeUntil(now);
      finished++;
      const s = second(now);
      open.corrected.record(corrected);
      open.raw.record(raw);
      if (outcome.kind === 'timeout') {
        s.timeouts++;
        counts.timeouts++;
        return;
      }
      if (outcome.kind === 'response') {
        s.completed++;
        counts.completed++;
      }
      const cls = errorClass(outcome);
      if (cls) {
        add(s.errors, cls);
        add(errors, cls);
        counts.errors++;
      }
    },
    tick(now) {
      closeUntil(now);
    },
    snapshot() {
      const last = openIndex > 0 ? openIndex - 1 : -1;
      const s = seconds[last];
      return {
        ...counts,
        inFlight: counts.sent - finished,
        lastSecond: s ? { intended: s.intended, sent: s.sent, p95: closed[last]?.corrected.p95 ?? null } : null,
      };
    },
    finish(now) {
      closeUntil(Math.floor(now / 1000) * 1000 + 1000);
      const timeline: TimelineSecond[] = seconds.map((s, i) => {
        const h = closed[i];
        const empty = createLatencyHistogram().toSummary();
        return {
          t: i * 1000,
          ...s,
          latencyCorrected: h?.corrected ?? empty,
          latencyRaw: h?.raw ?? empty,
          lagP99: h?.lagP99 ?? null,
          lagMax: h?.lagMax ?? null,
        };
      });
      return {
        requests: counts.sent,
        completed: counts.completed,
        dropped: counts.dropped,
        droppedBy: { ...droppedBy },
        timeouts: counts.timeouts,
        errors: { ...errors },
        latencyCorrected: total.corrected.toSummary(),
        latencyRaw: total.raw.toSummary(),
        scheduleLag: total.lag.toSummary(),
        timeline,
      };
    },
  };
}
