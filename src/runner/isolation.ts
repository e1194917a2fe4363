import type { IsolationStats } from '../core/index.ts';
import { createLatencyHistogram } from '../stats/index.ts';
import type { Recorder } from './recorder.ts';

/** What a transactional phase declares: its latency bounds (ms) and the most a campaign may slow it. */
export interface TransactionalSpec {
  budget: { p50?: number; p95?: number; p99?: number; avg?: number };
  ratio?: number;
}

/**
 * Wraps a phase's recorder so each completion's latency (from its intended send) also lands in
 * one of two histograms: while no campaign is running (alone) or while one is draining. The state
 * is read when the request is sent, so a request counts where it was exposed to the campaign.
 */
export function createIsolationRecorder(
  inner: Recorder,
  campaignsActive: () => boolean,
): { recorder: Recorder; finish(phase: string, spec: TransactionalSpec): IsolationStats } {
  const alone = createLatencyHistogram();
  const during = createLatencyHistogram();
  // Sends and completions pair up in order per socket only, so the state is kept per intended time.
  const stateAt = new Map<number, boolean>();
  return {
    recorder: {
      ...inner,
      sent(now, lag) {
        stateAt.set(Math.round((now - lag) * 1000), campaignsActive());
        inner.sent(now, lag);
      },
      completed(now, corrected, raw, outcome) {
        const key = Math.round((now - corrected) * 1000);
        const active = stateAt.get(key) ?? campaignsActive();
        stateAt.delete(key);
        (active ? during : alone).record(corrected);
        inner.completed(now, corrected, raw, outcome);
      },
    },
    finish(phase, spec) {
      return { phase, budget: { ...spec.budget }, ratio: spec.ratio ?? null, alone: alone.toSummary(), duringCampaign: during.toSummary() };
    },
  };
}
