import { Pool } from 'undici';
import type { Clock } from '../core/index.ts';
import type { Outcome, Recorder } from './recorder.ts';
import type { Schedule } from './schedule.ts';
import type { RequestFactory } from './templates.ts';

/** What one open-model phase needs. */
export interface PacerOptions {
  /** Origin of the system under test, e.g. `http://127.0.0.1:8080`. */
  origin: string;
  schedule: Schedule;
  requests: RequestFactory;
  recorder: Recorder;
  clock: Clock;
  /** The phase's start in ms from the run's start (the recorder's time base is the run's). */
  runStart: number;
  phaseOffset: number;
  /** A request with no complete response after this many ms is a timeout. */
  timeout: number;
  /** Arrivals that find this many requests in flight are dropped (and counted). */
  maxInFlight: number;
  /** Keep-alive sockets in the pool. */
  connections: number;
  /** An arrival whose turn comes this many ms late is dropped as `late`, so a saturated generator still stops on time. */
  lateLimit: number;
  /** How long to wait for in-flight requests after the last arrival before cutting them off. */
  drain: number;
  /** The drain wait after an abort (Ctrl-C): shorter, the user is waiting. */
  abortDrain?: number;
  signal?: AbortSignal;
  /** Told of each request that carries a tracked recipient (`{{tracked}}`): when it left and how it ended. */
  tracked?: {
    sent(index: number, at: number): void;
    answered(index: number, outcome: Outcome): void;
  };
}

/** What a phase did. */
export interface PacerReport {
  planned: number;
  processed: number;
  aborted: boolean;
}

/** At most this many sends per turn of the event loop, so responses are read while catching up. */
const MAX_BATCH = 512;

/** Classifies a transport failure by undici's codes. */
export function classifyError(error: unknown): Outcome {
  const code = (error as { code?: string }).code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT')
    return { kind: 'timeout' };
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') return { kind: 'error', errorClass: 'connect' };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return { kind: 'error', errorClass: 'reset' };
  return { kind: 'error', errorClass: 'other' };
}

/**
 * Drives one phase as an open model: every arrival leaves at its intended time whatever the
 * earlier responses did, over a keep-alive undici pool (pipelining 1: one request per socket
 * at a time, so a slow response never delays the next send on another socket).
 *
 * Latency is measured twice: from the intended time (corrected for coordinated omission; a
 * stall shows up in every arrival it delayed, not as one slow sample) and from the actual
 * send (raw). A timeout is kept as a censored latency (its elapsed time, at least the
 * timeout) and counted. Lag (actual send - intended) is recorded for every send. Arrivals
 * that find `maxInFlight` requests outstanding, or come due more than `lateLimit` ms late,
 * are dropped and counted, never skipped silently.
 *
 * The loop sleeps with setTimeout until the next send is due and then sends every due arrival
 * (in batches of {@link MAX_BATCH} per turn when behind), so at high rates one timer wake-up
 * sends several requests and the generator never busy-waits.
 */
export function runPacer(options: PacerOptions): Promise<PacerReport> {
  const { schedule, recorder, clock, requests } = options;
  const times = schedule.times;
  const base = options.runStart + options.phaseOffset;
  const pool = new Pool(options.origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    connect: { timeout: Math.min(options.timeout, 10_000) },
  });
  let next = 0;
  let inFlight = 0;
  let stopped = false;
  let aborted = false;

  return new Promise<PacerReport>((resolve) => {
    let finished = false;
    let drainTimer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (drainTimer) clearTimeout(drainTimer);
      options.signal?.removeEventListener('abort', onAbort);
      // destroy() cuts off whatever is still in flight after the drain wait.
      void (inFlight > 0 ? pool.destroy() : pool.close()).catch(() => undefined);
      resolve({ planned: times.length, processed: next, aborted });
    };
    const maybeDone = () => {
      if (stopped && inFlight === 0) finish();
    };
    const stop = () => {
      if (stopped) return;
      stopped = true;
      maybeDone();
      if (!finished) drainTimer = setTimeout(finish, aborted ? (options.abortDrain ?? options.drain) : options.drain);
    };
    const onAbort = () => {
      aborted = true;
      stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const send = (intended: number, now: number) => {
      const req = requests.next();
      if (req.tracked !== undefined) options.tracked?.sent(req.tracked, now);
      inFlight++;
      recorder.sent(now - options.runStart, now - intended);
      pool
        .request({
          method: req.method as 'GET',
          path: req.path,
          headers: req.headers,
          body: req.body,
          headersTimeout: options.timeout,
          bodyTimeout: options.timeout,
        })
        .then(async (res) => {
          await res.body.dump();
          return { kind: 'response', status: res.statusCode } as Outcome;
        }, classifyError)
        .then((outcome) => {
          const end = clock.now();
          inFlight--;
          if (req.tracked !== undefined) options.tracked?.answered(req.tracked, outcome);
          recorder.completed(end - options.runStart, end - intended, end - now, outcome);
          maybeDone();
        });
    };

    const loop = () => {
      if (stopped) return;
      const now = clock.now();
      let batch = 0;
      while (next < times.length && batch < MAX_BATCH) {
        const intended = base + (times[next] as number);
        if (intended > now) break;
        const at = intended - options.runStart;
        recorder.intended(at);
        if (now - intended > options.lateLimit) recorder.dropped(at, 'late');
        else if (inFlight >= options.maxInFlight) recorder.dropped(at, 'inflight');
        else send(intended, now);
        next++;
        batch++;
      }
      recorder.tick(now - options.runStart);
      if (next >= times.length) return stop();
      if (batch >= MAX_BATCH) return void setImmediate(loop);
      // Node timers have 1 ms resolution and fire at or after their time: sleeping until the next
      // send costs at most about a millisecond of lag and no CPU, where spinning on setImmediate
      // would burn a core (and on a shared machine get descheduled, which lags far worse).
      const wait = base + (times[next] as number) - clock.now();
      setTimeout(loop, Math.max(1, Math.floor(wait)));
    };

    if (options.signal?.aborted) onAbort();
    else if (times.length === 0) {
      const idle = base + schedule.duration - clock.now();
      drainTimer = setTimeout(
        () => {
          stopped = true;
          finish();
        },
        Math.max(0, idle),
      );
    } else loop();
  });
}
