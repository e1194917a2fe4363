import type { Result } from '../core/index.ts';
import type { Check } from './checks.ts';

/**
 * A tracked phase's correctness checks, like a campaign's: every message the system accepted (2xx)
 * delivered (`phase.<name>.lost`), none twice (`phase.<name>.duplicates`). A phase whose provider
 * feed could not be read is not verified (skipped; its provider's `verified` check fails), and one
 * that had nothing accepted fails: a check never holds over nothing.
 */
export function phaseChecks(result: Result): Check[] {
  const unread = new Map((result.unverified ?? []).map((u) => [u.subject, u.reason]));
  const checks: Check[] = [];
  for (const p of result.phases ?? []) {
    const base = `phase.${p.name}`;
    const check = (id: string, kind: Check['kind'], status: Check['status'], actual: number | null, message: string) =>
      checks.push({ id: `${base}.${id}`, kind, status, actual, message: `phase ${p.name}: ${message}` });
    if (unread.has(`provider.${p.provider}`)) {
      check(
        'lost',
        'lost',
        'skip',
        null,
        `${p.delivered} of ${p.accepted} seen delivered before ${p.provider} could no longer be read; the rest is not verified`,
      );
      continue;
    }
    if (p.accepted === 0) {
      check(
        'accepted',
        'accepted',
        'fail',
        0,
        `none of ${p.sent} tracked request(s) was accepted (2xx), so nothing could be tracked to delivery`,
      );
      continue;
    }
    const others = [p.refused > 0 ? `${p.refused} refused` : '', p.unanswered > 0 ? `${p.unanswered} unanswered` : ''].filter(Boolean);
    const aside = others.length > 0 ? ` (${others.join(', ')}: not counted as lost)` : '';
    if (p.lost > 0)
      check(
        'lost',
        'lost',
        'fail',
        p.lost,
        `${p.lost} of ${p.accepted} accepted message(s) to ${p.provider} were never delivered within ${p.within / 1000} s${aside}`,
      );
    else check('lost', 'lost', 'pass', 0, `all ${p.accepted} accepted message(s) were delivered by ${p.provider}${aside}`);
    if (p.duplicated > 0)
      check('duplicates', 'duplicates', 'fail', p.duplicated, `${p.duplicated} recipient(s) got their message more than once`);
    else check('duplicates', 'duplicates', 'pass', 0, 'no recipient got its message twice');
  }
  return checks;
}
