import type { Rng } from '../src/core/index.ts';
import type { FaultSpec } from './config.ts';

/** A fault that fired, as the plugin must act on it. */
export interface FaultHit {
  action: FaultSpec['action'];
  status: number;
  /** Recipients the rule matched (all of them when the rule has no recipient pattern). */
  recipients: ReadonlySet<string> | null;
}

interface CompiledFault {
  spec: FaultSpec;
  pattern: RegExp | null;
}

/** Fault rules, compiled once; the first rule whose conditions all hold fires. */
export class FaultPlan {
  private readonly rules: CompiledFault[];

  constructor(
    specs: readonly FaultSpec[],
    private readonly rng: Rng,
  ) {
    this.rules = specs.map((spec) => ({ spec, pattern: spec.recipient === undefined ? null : new RegExp(spec.recipient) }));
  }

  /** True when there are no rules (the hot path skips everything). */
  get empty(): boolean {
    return this.rules.length === 0;
  }

  /**
   * Decides the fault for a request at `elapsed` ms after the start, for these recipients.
   * A recipient rule fires when any recipient matches; `unreported` then applies to the
   * matching ones only.
   */
  match(elapsed: number, recipients: readonly string[]): FaultHit | null {
    for (const { spec, pattern } of this.rules) {
      if (spec.from !== undefined && elapsed < spec.from) continue;
      if (spec.until !== undefined && elapsed >= spec.until) continue;
      let matched: Set<string> | null = null;
      if (pattern) {
        matched = new Set(recipients.filter((r) => pattern.test(r)));
        if (matched.size === 0) continue;
      }
      if (spec.probability < 1 && this.rng.next() >= spec.probability) continue;
      return { action: spec.action, status: spec.status, recipients: matched };
    }
    return null;
  }
}
