import type { Validity } from '../core/index.ts';

/** The tolerances a scenario sets (ms, fractions). */
export interface Tolerances {
  dropped: number;
  lagDegraded: number;
  lagInvalid: number;
  lateLimit: number;
  eventLoopLag: number;
  loopBusy: number;
}

/** What the verdict looks at. */
export interface ValidityInputs {
  intended: number;
  dropped: number;
  droppedBy: { inflight: number; late: number };
  maxInFlight: number;
  scheduleLagP99: number | null;
  eventLoopLagP99: number | null;
  /** Highest main-thread busy share in any interval (event-loop utilisation, 0..1). */
  loopBusyMax: number | null;
  aborted: boolean;
  /** What the run could not verify (a provider's ledger or feed unreadable): each makes it INVALID. */
  unverified?: readonly string[];
  /** Problems that weaken but do not void the run: failed scrapes, a campaign that did not start. */
  warnings: readonly string[];
}

const pct = (x: number) => `${Math.round(x * 10_000) / 100}%`;

/**
 * Decides whether the run can be trusted. INVALID when the generator fell behind (p99 schedule
 * lag above `lagInvalid`), dropped more arrivals than `dropped` allows, or the run was aborted;
 * DEGRADED when the lag, the runner's event loop or CPU were strained, some arrivals were
 * dropped within tolerance, or a monitor or campaign reported a problem. Every reason is said.
 */
export function assessValidity(inputs: ValidityInputs, tol: Tolerances): Validity {
  const invalid: string[] = [];
  const degraded: string[] = [];
  if (inputs.aborted) invalid.push('the run was aborted before its end');
  for (const u of inputs.unverified ?? []) invalid.push(`not verified: ${u}`);
  const share = inputs.intended > 0 ? inputs.dropped / inputs.intended : 0;
  if (inputs.dropped > 0) {
    const parts = [];
    if (inputs.droppedBy.inflight > 0) parts.push(`${inputs.droppedBy.inflight} found ${inputs.maxInFlight} requests in flight`);
    if (inputs.droppedBy.late > 0) parts.push(`${inputs.droppedBy.late} came due more than ${tol.lateLimit}ms late`);
    const text = `the generator dropped ${inputs.dropped} of ${inputs.intended} arrivals (${pct(share)}; tolerance ${pct(tol.dropped)}): ${parts.join(', ')}`;
    (share > tol.dropped ? invalid : degraded).push(text);
  }
  const lag = inputs.scheduleLagP99;
  if (lag !== null && lag > tol.lagInvalid) {
    invalid.push(`the generator fell behind: p99 schedule lag ${lag}ms > ${tol.lagInvalid}ms (the machine cannot send this rate)`);
  } else if (lag !== null && lag > tol.lagDegraded) {
    degraded.push(`p99 schedule lag ${lag}ms > ${tol.lagDegraded}ms`);
  }
  if (inputs.eventLoopLagP99 !== null && inputs.eventLoopLagP99 > tol.eventLoopLag) {
    degraded.push(`the runner's event loop was delayed (p99 ${inputs.eventLoopLagP99}ms > ${tol.eventLoopLag}ms)`);
  }
  // The pacer is one thread: its saturation is the event loop's busy share, not process CPU
  // (which also counts GC, compiler and loader threads and can exceed 100%).
  if (inputs.loopBusyMax !== null && inputs.loopBusyMax > tol.loopBusy) {
    degraded.push(
      `the runner's event loop was busy ${Math.round(inputs.loopBusyMax * 100)}% of an interval (> ${Math.round(tol.loopBusy * 100)}%)`,
    );
  }
  degraded.push(...inputs.warnings);
  if (invalid.length > 0) return { verdict: 'INVALID', reasons: [...invalid, ...degraded] };
  if (degraded.length > 0) return { verdict: 'DEGRADED', reasons: degraded };
  return { verdict: 'VALID', reasons: [] };
}
