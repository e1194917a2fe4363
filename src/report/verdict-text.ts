import { renderVerdictText, type Verdict } from '../gate/index.ts';
import { describeThreshold } from './quantities.ts';

/**
 * The gate's verdict text with every threshold's actual value in its unit (`actual 2,591 ms`,
 * `actual 10 errors`, `actual 140.2 MiB`), in the headline and reasons too, as the other formats
 * print it. `run` and `gate` print this.
 */
export function renderVerdictWithUnits(verdict: Verdict): string {
  const described = verdict.thresholds.map((t) => [t.message, describeThreshold(t)] as const);
  const withUnits = (text: string) => described.reduce((s, [from, to]) => s.split(from).join(to), text);
  return renderVerdictText({
    ...verdict,
    headline: withUnits(verdict.headline),
    reasons: verdict.reasons.map(withUnits),
    thresholds: verdict.thresholds.map((t) => ({ ...t, message: describeThreshold(t) })),
  });
}
