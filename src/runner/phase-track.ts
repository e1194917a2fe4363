import type { Clock, PhaseDeliveryStats } from '../core/index.ts';
import type { CampaignTrack, ProviderTracker } from './delivery-tracker.ts';
import { recipientIds } from './recipient-pattern.ts';
import type { Outcome } from './recorder.ts';
import type { TrackedRecipients } from './templates.ts';

/** How a tracked request ended, per recipient index. */
enum Answer {
  None = 0,
  /** 2xx: the system under test took the message on; it must be delivered. */
  Accepted = 1,
  /** 4xx/5xx: refused; the caller knows it was not sent. */
  Refused = 2,
  /** Timeout or transport error: nobody knows. */
  Unanswered = 3,
}

/**
 * One phase's tracked messages (`track:` on a phase): hands each request that uses `{{tracked}}`
 * the next recipient of the pattern (index 0, 1, 2, ...: a recipient is never requested twice, so a
 * second delivery is a duplicate, not a second message), remembers when its request left and how it
 * was answered, and reads deliveries from the provider's feed through a {@link CampaignTrack}.
 * 21 bytes a planned request (story 1 at full size: about 236,000, 5 MB).
 */
export class PhaseTrack implements TrackedRecipients {
  readonly track: CampaignTrack;
  private readonly sentAt: Float64Array;
  private readonly answers: Uint8Array;
  private readonly idOf: (index: number) => string;
  /** Recipients handed out so far (requests that used `{{tracked}}`). */
  issued = 0;
  /** Epoch ms of the phase's last tracked request, once the phase has ended. */
  endedAt: number | null = null;

  constructor(
    readonly phase: string,
    readonly provider: string,
    readonly pattern: string,
    /** The most requests the phase can make (its schedule's arrivals). */
    readonly capacity: number,
    readonly within: number,
    tracker: ProviderTracker,
  ) {
    this.track = tracker.track(`phase ${phase}`, pattern, capacity);
    this.sentAt = new Float64Array(capacity);
    this.answers = new Uint8Array(capacity);
    this.idOf = recipientIds(pattern);
  }

  next(): { index: number; recipient: string } {
    // The schedule bounds the requests, so this holds; past it a recipient could not be tracked.
    if (this.issued >= this.capacity) throw new Error(`phase ${this.phase} made more tracked requests than its schedule plans`);
    const index = this.issued++;
    return { index, recipient: this.idOf(index) };
  }

  /** The pacer's hooks: when each tracked request left, and how it was answered. */
  readonly hooks = {
    sent: (index: number, at: number) => {
      this.sentAt[index] = at;
    },
    answered: (index: number, outcome: Outcome) => {
      const ok = outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300;
      this.answers[index] = ok ? Answer.Accepted : outcome.kind === 'response' ? Answer.Refused : Answer.Unanswered;
    },
  };

  /** Accepted requests whose recipient has no delivery yet. */
  undelivered(): number {
    let n = 0;
    for (let i = 0; i < this.issued; i++) if (this.answers[i] === Answer.Accepted && this.track.counts[i] === 0) n++;
    return n;
  }

  /** The phase's figures; final once the provider's feed was read to the run's end. */
  stats(): PhaseDeliveryStats {
    let accepted = 0;
    let refused = 0;
    let unanswered = 0;
    let delivered = 0;
    let lost = 0;
    let duplicated = 0;
    const latencies: number[] = [];
    for (let i = 0; i < this.issued; i++) {
      const answer = this.answers[i];
      const count = this.track.counts[i] as number;
      if (answer === Answer.Accepted) accepted++;
      else if (answer === Answer.Refused) refused++;
      else unanswered++;
      if (count > 1) duplicated++;
      if (count > 0) {
        delivered++;
        latencies.push(Math.max(0, (this.track.firstAt[i] as number) - (this.sentAt[i] as number)));
      } else if (answer === Answer.Accepted) lost++;
    }
    latencies.sort((a, b) => a - b);
    const at = (share: number) => (latencies.length === 0 ? null : (latencies[Math.ceil(share * latencies.length) - 1] as number));
    return {
      name: this.phase,
      provider: this.provider,
      pattern: this.pattern,
      sent: this.issued,
      accepted,
      refused,
      unanswered,
      delivered,
      lost,
      duplicated,
      within: this.within,
      latency: { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) },
    };
  }
}

/**
 * Follows the phase's provider feed after its last request until every accepted message has a
 * delivery, `within` has passed, the feed failed, or the run was aborted.
 */
export async function followPhase(
  t: PhaseTrack,
  tracker: ProviderTracker,
  clock: Clock,
  poll: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = clock.now() + t.within;
  t.endedAt = clock.now();
  while (!signal?.aborted) {
    await tracker.poll();
    if (tracker.error || t.undelivered() === 0 || clock.now() >= deadline) return;
    await clock.sleep(Math.min(poll, Math.max(0, deadline - clock.now())), signal).catch(() => undefined);
  }
}
