import type { Result } from '../core/index.ts';
import { isolationChecks } from './isolation-check.ts';
import { phaseChecks } from './phase-checks.ts';

/**
 * A built-in correctness check. These hold for every run whatever its thresholds say, because
 * they are floodgate's promise: every message delivered, once, within the providers' limits,
 * by a run that can be trusted (DOMAIN.md, "What every story has in common").
 */
export interface Check {
  /** Stable id, also the JUnit test case name: `provider.alimtalk.duplicates`. */
  id: string;
  kind: 'duplicates' | 'lost' | 'window' | 'rejected' | 'accepted' | 'verified' | 'validity' | 'fallback' | 'isolation' | 'early';
  status: 'pass' | 'fail' | 'skip';
  /** The measured value (null for validity and skipped checks). */
  actual: number | null;
  message: string;
}

/**
 * Builds every correctness check for a result: per provider, per campaign, what could not be
 * verified, and the run's validity. A check never holds over nothing: a provider that received
 * nothing in the run has its duplicate and window checks skipped (said, not counted as held), a
 * campaign that was not accepted fails, and a ledger that could not be read fails as not verified.
 */
export function buildChecks(result: Result): Check[] {
  const checks: Check[] = [];
  for (const u of result.unverified ?? []) {
    checks.push({
      id: `${u.subject}.verified`,
      kind: 'verified',
      status: 'fail',
      actual: null,
      message: `${u.subject} not verified: ${u.reason}`,
    });
  }
  for (const [name, p] of Object.entries(result.providers)) {
    const base = `provider.${name}`;
    const received = p.admitted + (p.delivered ?? 0);
    if (received === 0) {
      const why = `${name}: nothing was sent to it in this run, so there is nothing to check`;
      checks.push(skip(`${base}.duplicates`, 'duplicates', why), skip(`${base}.window`, 'window', why));
      checks.push(
        p.rejected > 0
          ? fail(`${base}.rejected`, 'rejected', p.rejected, `${name}: the provider rejected ${p.rejected} ${p.unit} over its limit`)
          : skip(`${base}.rejected`, 'rejected', why),
      );
      continue;
    }
    checks.push(
      p.duplicates > 0
        ? fail(
            `${base}.duplicates`,
            'duplicates',
            p.duplicates,
            `${name}: ${p.duplicates} recipient(s) got the same message more than once${details(p.duplicateDeliveries, p.offenders)}`,
          )
        : pass(`${base}.duplicates`, 'duplicates', 0, `${name}: no recipient got the same message twice${dedupedNote(p.deduplicated)}`),
    );
    if (p.limitPerSecond === null) {
      checks.push(skip(`${base}.window`, 'window', `${name}: no rate limit configured`));
    } else {
      const over = p.maxPerSecondWindow - p.limitPerSecond;
      checks.push(
        over > 0
          ? fail(
              `${base}.window`,
              'window',
              p.maxPerSecondWindow,
              `${name}: ${p.maxPerSecondWindow} ${p.unit} in one sliding second, over the limit of ${p.limitPerSecond}`,
            )
          : pass(
              `${base}.window`,
              'window',
              p.maxPerSecondWindow,
              `${name}: at most ${p.maxPerSecondWindow} ${p.unit} in any sliding second (limit ${p.limitPerSecond})`,
            ),
      );
    }
    const own = declaredRejectionThreshold(result, name);
    checks.push(
      own
        ? skip(`${base}.rejected`, 'rejected', `${name}: ${p.rejected} ${p.unit} rejected; the scenario's own threshold decides (${own})`)
        : p.rejected > 0
          ? fail(`${base}.rejected`, 'rejected', p.rejected, `${name}: the provider rejected ${p.rejected} ${p.unit} over its limit`)
          : pass(`${base}.rejected`, 'rejected', 0, `${name}: the provider rejected nothing`),
    );
  }
  const unread = new Map((result.unverified ?? []).map((u) => [u.subject, u.reason]));
  for (const c of result.campaigns) {
    const id = `campaign.${c.name}.lost`;
    const notRead = unread.get(`provider.${c.provider}`);
    if (notRead) {
      // Undelivered as far as it was read is not lost: what was not read is not verified.
      checks.push(
        skip(
          id,
          'lost',
          `campaign ${c.name}: ${c.delivered} of ${c.accepted} seen delivered before its provider could no longer be read; the rest is not verified`,
        ),
      );
      continue;
    }
    if (c.accepted === 0 || c.startError) {
      const why = c.startError ?? `the dispatcher accepted 0 of ${c.requested} recipients`;
      checks.push(fail(`campaign.${c.name}.accepted`, 'accepted', c.accepted, `campaign ${c.name} was not accepted: ${why}`));
      if (c.accepted === 0) {
        checks.push(skip(id, 'lost', `campaign ${c.name}: nothing was accepted, so nothing could be delivered or lost`));
        continue;
      }
    }
    if (c.stoppedEarly && c.lost > 0) {
      // Cut short at a definite failure (which fails on its own): the rest was never given its time.
      checks.push(
        skip(
          id,
          'lost',
          `campaign ${c.name}: ${c.delivered} of ${c.accepted} delivered when tracking stopped (${c.stoppedEarly}); the rest is not judged`,
        ),
      );
      continue;
    }
    const neither = c.fallback ? ` (neither the ${c.provider} message nor the ${c.fallback.provider} fallback)` : '';
    checks.push(
      c.lost > 0
        ? fail(
            id,
            'lost',
            c.lost,
            `campaign ${c.name}: ${c.lost} of ${c.accepted} accepted recipient(s) never received the message${neither}${lostNames(c)}`,
          )
        : pass(id, 'lost', 0, `campaign ${c.name}: all ${c.accepted} accepted recipients received it`),
    );
    if (c.fallback) checks.push(fallbackCheck(c, c.fallback));
    if (c.lateness) checks.push(earlyCheck(c, c.lateness));
  }
  checks.push(...phaseChecks(result));
  checks.push(...isolationChecks(result));
  const { verdict, reasons } = result.validity;
  const why = reasons.length > 0 ? `: ${reasons.join('; ')}` : '';
  checks.push({
    id: 'run.validity',
    kind: 'validity',
    status: verdict === 'INVALID' ? 'fail' : 'pass',
    actual: null,
    message: `run ${verdict}${why}`,
  });
  return checks;
}

/**
 * A scheduled campaign sends nobody before their due time: recipients whose first delivery was
 * recorded more than the tolerance early fail it. Over no reached recipient it is skipped (said),
 * never passed: the lost check already fails such a campaign.
 */
function earlyCheck(c: Result['campaigns'][number], l: NonNullable<Result['campaigns'][number]['lateness']>): Check {
  const id = `campaign.${c.name}.early`;
  const tolerance = `${l.tolerance}ms`;
  if (l.reached === 0) return skip(id, 'early', `campaign ${c.name}: no recipient was reached, so none could be early`);
  if (l.early > 0)
    return fail(
      id,
      'early',
      l.early,
      `campaign ${c.name}: ${l.early} of ${l.reached} recipient(s) were delivered before they were due (more than ${tolerance} early)`,
    );
  return pass(
    id,
    'early',
    0,
    `campaign ${c.name}: none of ${l.reached} delivered recipients arrived before they were due (tolerance ${tolerance})`,
  );
}

/** Exactly one of the two: a recipient who got the message and its fallback got it twice. */
function fallbackCheck(c: Result['campaigns'][number], f: NonNullable<Result['campaigns'][number]['fallback']>): Check {
  const id = `campaign.${c.name}.fallback`;
  if (f.both > 0)
    return fail(
      id,
      'fallback',
      f.both,
      `campaign ${c.name}: ${f.both} recipient(s) got both the ${c.provider} message and the ${f.provider} fallback`,
    );
  return pass(
    id,
    'fallback',
    0,
    `campaign ${c.name}: no recipient got both; ${f.delivered} were reached through the ${f.provider} fallback`,
  );
}

/**
 * The scenario's own threshold on a provider's rejections (`provider.<name>.rejected`, or
 * `provider.rejected` for all providers), as "metric: expression", or null. A scenario that tests
 * retry behaviour against a mock in `overLimit: reject` mode expects rejections; declaring such a
 * threshold is how it says so, and the threshold then replaces the built-in "no rejection" check
 * (and the strict baseline comparison of rejections). Read from the result, so `run` and `gate`
 * decide alike.
 */
export function declaredRejectionThreshold(result: Result, provider: string): string | null {
  const own = result.thresholds.filter((t) => t.metric === `provider.${provider}.rejected` || t.metric === 'provider.rejected');
  return own.length > 0 ? own.map((t) => `${t.metric}: ${t.expression}`).join(', ') : null;
}

// ", and 40 repeats of an already-accepted key were deduplicated by the provider": the sender retrying right.
function dedupedNote(deduplicated: number | undefined): string {
  return deduplicated ? ` (${deduplicated} repeat(s) of an accepted client key were deduplicated by the provider, as they should be)` : '';
}

// "(18000 extra deliveries; worst: r-1 x101)", leaving out what the source did not measure (a k6 import has no ledger detail).
function details(extra: number, offenders: readonly { recipient: string; count: number }[]): string {
  const top = offenders[0];
  const parts = [extra > 0 ? `${extra} extra deliveries` : '', top ? `worst: ${top.recipient} x${top.count}` : ''].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

function pass(id: string, kind: Check['kind'], actual: number, message: string): Check {
  return { id, kind, status: 'pass', actual, message };
}
function fail(id: string, kind: Check['kind'], actual: number, message: string): Check {
  return { id, kind, status: 'fail', actual, message };
}
function skip(id: string, kind: Check['kind'], message: string): Check {
  return { id, kind, status: 'skip', actual: null, message };
}

/** `: e.g. r-12, r-13 and 310 more` from a campaign's lost sample, or nothing. */
function lostNames(c: { lost: number; lostSample?: readonly string[] | undefined }): string {
  const names = c.lostSample ?? [];
  if (names.length === 0) return '';
  const more = c.lost - names.length;
  return `: ${names.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}
