import type { Result } from '../core/index.ts';
import type { Check, Verdict } from '../gate/index.ts';

/** How a verdict is shown: its banner class and headline, and a second banner for a DEGRADED run. */
export interface Banner {
  /** `pass`, `fail`, `invalid` or `degraded`: each has its own colour, never green for a run that cannot be trusted. */
  kind: 'pass' | 'fail' | 'invalid' | 'degraded';
  headline: string;
  /** A DEGRADED run that also failed keeps its red banner and gets this amber one under it. */
  degraded: string | null;
}

/**
 * The verdict as banners. INVALID is its own banner (the run says nothing about the system);
 * DEGRADED turns a PASS banner amber (the figures hold, but with less confidence) and adds its own
 * banner under a FAIL, instead of a small warning line under a green PASS.
 */
export function buildBanner(result: Result, verdict: Verdict): Banner {
  const degradedText =
    result.validity.verdict === 'DEGRADED' ? `DEGRADED run: ${result.validity.reasons.join('; ') || 'no reason given'}` : null;
  if (verdict.status === 'invalid') return { kind: 'invalid', headline: verdict.headline, degraded: null };
  if (verdict.status === 'pass')
    return degradedText
      ? { kind: 'degraded', headline: `${verdict.headline} · ${degradedText}`, degraded: null }
      : { kind: 'pass', headline: verdict.headline, degraded: null };
  return { kind: 'fail', headline: verdict.headline, degraded: degradedText };
}

/** A check's status as shown: a DEGRADED run's validity check is a warning, not `ok`. */
export function checkDisplayStatus(c: Check): 'pass' | 'fail' | 'skip' | 'warn' {
  if (c.kind === 'validity' && c.status === 'pass' && c.message.startsWith('run DEGRADED')) return 'warn';
  return c.status;
}
