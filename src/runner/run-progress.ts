import type { Frozen, Scenario } from '../config/index.ts';
import type { Clock } from '../core/index.ts';
import type { MockSession } from './mock-session.ts';
import type { Recorder, RecorderSnapshot } from './recorder.ts';
import { plannedLength } from './steps.ts';

/** Live figures for the CLI's progress line. */
export interface RunProgress {
  elapsed: number;
  /** Planned length in ms, when every step has one. */
  planned: number | null;
  steps: string[];
  http: RecorderSnapshot;
  campaigns: { name: string; accepted: number; delivered: number; backlog: number }[];
  /** Each mock provider's last full second: admitted and rejected against its limit. */
  providers: { name: string; admitted: number; rejected: number; limit: number | null }[];
}

/**
 * Emits a {@link RunProgress} every second. Every other second it also asks each mock provider
 * for its stats (best effort, 1 s timeout) to show the provider's rate against its limit.
 */
export function startProgress(options: {
  scenario: Frozen<Scenario>;
  session: MockSession;
  providerNames: readonly string[];
  clock: Clock;
  runStart: number;
  recorder: Recorder;
  active: ReadonlySet<string>;
  onProgress?: (p: RunProgress) => void;
}) {
  const { clock, runStart, recorder, onProgress } = options;
  const campaigns = new Map<string, RunProgress['campaigns'][number]>();
  const providers = new Map<string, RunProgress['providers'][number]>();
  const planned = plannedLength(options.scenario);
  let ticks = 0;
  const timer = setInterval(() => {
    recorder.tick(clock.now() - runStart);
    // Read even without a listener: the reads also tell a long-lived mock this run is alive.
    if (ticks++ % 2 === 0) {
      for (const name of options.providerNames) {
        options.session
          .stats(name, 1000)
          .then((st) => {
            // The last entry is the second in progress; the one before it is complete.
            const last = st.perSecond[st.perSecond.length - 2];
            providers.set(name, { name, admitted: last?.admitted ?? 0, rejected: last?.rejected ?? 0, limit: st.limitPerSecond });
          })
          .catch(() => undefined);
      }
    }
    onProgress?.({
      elapsed: clock.now() - runStart,
      planned,
      steps: [...options.active],
      http: recorder.snapshot(),
      campaigns: [...campaigns.values()],
      providers: [...providers.values()],
    });
  }, 1000);
  return {
    campaign: (p: RunProgress['campaigns'][number]) => void campaigns.set(p.name, p),
    stop: () => clearInterval(timer),
  };
}
