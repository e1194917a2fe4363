import type { Frozen } from '../config/index.ts';
import type { PlanConfig } from '../config/plan-schema.ts';
import { formatNumber, formatRate, formatSpan } from '../core/index.ts';
import {
  deliverableBy,
  drainCurve,
  drainTimeMs,
  quotaBoundLateness,
  requiredRate,
  retryInflation,
  senderThroughput,
  workersToSaturate,
} from './campaign.ts';
import type { CampaignReport, Flag, Span } from './plan-report.ts';

type CampaignConfig = Frozen<PlanConfig>['campaigns'][number];

function toSpan(value: number | { min: number; max: number }): Span {
  return typeof value === 'number'
    ? { min: value, max: value }
    : { min: Math.min(value.min, value.max), max: Math.max(value.min, value.max) };
}

/**
 * One campaign's figures: the rate its deadline demands, the throughput its limits allow
 * (min of provider limit, throttle and workers / latency), the drain time with retries, and
 * the verdict against the shortest deadline for the largest audience (the case that must hold).
 */
export function buildCampaign(c: CampaignConfig, flags: Flag[]): CampaignReport {
  const recipients = toSpan(c.recipients);
  const deadlineMs = c.deadline === undefined ? null : toSpan(c.deadline);
  const inflation = retryInflation(c.failureRate);
  const sends = { min: recipients.min * inflation, max: recipients.max * inflation };
  const providerLimit = c.provider?.limit ?? null;
  const throughput = senderThroughput({
    providerLimit,
    throttle: c.throttle ?? null,
    workers: c.workers ?? null,
    latencyMs: c.latency ?? null,
  });
  const bounded = Number.isFinite(throughput.perSecond);
  const drain = (rate: number): Span => ({ min: drainTimeMs(sends.min, rate), max: drainTimeMs(sends.max, rate) });
  const drainMs = bounded ? drain(throughput.perSecond) : null;
  const requiredRateSpan = deadlineMs
    ? { min: requiredRate(sends.min, deadlineMs.max), max: requiredRate(sends.max, deadlineMs.min) }
    : null;
  let verdict: CampaignReport['verdict'] = 'no deadline';
  let deliverable: number | null = null;
  if (deadlineMs && !bounded) verdict = 'unbounded';
  if (deadlineMs && drainMs) {
    verdict = drainMs.max <= deadlineMs.min + 1e-6 ? 'meets' : 'misses';
    deliverable = deliverableBy(recipients.max, throughput.perSecond / inflation, deadlineMs.min);
  }
  const workersForDeadline = requiredRateSpan && c.latency !== undefined ? workersToSaturate(requiredRateSpan.max, c.latency) : null;
  const report: CampaignReport = {
    name: c.name,
    channel: c.channel ?? null,
    provider: c.provider?.name ?? null,
    recipients,
    deadlineMs,
    requiredRate: requiredRateSpan,
    failureRate: c.failureRate,
    retryInflation: inflation,
    sends,
    providerLimit,
    throughput,
    drainAtLimitMs: providerLimit !== null ? drain(providerLimit) : null,
    drainMs,
    workersToSaturate: providerLimit !== null && c.latency !== undefined ? workersToSaturate(providerLimit, c.latency) : null,
    workersForDeadline,
    deliverableByDeadline: deliverable,
    verdict,
    curve: bounded ? drainCurve(sends.max, throughput.perSecond) : [],
    lateness: c.due && bounded ? quotaBoundLateness(sends.max, throughput.perSecond, c.due.spread) : null,
  };
  flags.push(...flagCampaign(c, report));
  return report;
}

/** What a campaign's figures say against its deadline, in words a team acts on. */
function flagCampaign(c: CampaignConfig, r: CampaignReport): Flag[] {
  const subject = `campaigns.${c.name}`;
  if (r.verdict === 'unbounded') {
    return [{ severity: 'warn', subject, message: 'no provider limit, throttle or workers given: the drain time cannot be computed' }];
  }
  if (r.verdict !== 'misses' || !r.drainMs || !r.deadlineMs || !r.requiredRate) return [];
  const { limitedBy, perSecond } = r.throughput;
  const one = c.workers === 1;
  const bound =
    limitedBy === 'workers'
      ? `${c.workers} worker${one ? '' : 's'} at ${formatSpan(c.latency as number)} allow${one ? 's' : ''}`
      : limitedBy === 'throttle'
        ? 'the throttle allows'
        : "the provider's limit allows";
  const fix =
    limitedBy === 'workers' && r.workersForDeadline !== null ? `; ${formatNumber(r.workersForDeadline)} workers would meet it` : '';
  return [
    {
      severity: 'fail',
      subject,
      message:
        `needs ${formatRate(r.requiredRate.max)} to finish ${formatNumber(r.recipients.max)} in ${formatSpan(r.deadlineMs.min)}, ` +
        `but ${bound} ${formatRate(perSecond)}: drain takes ${formatSpan(r.drainMs.max)}; ` +
        `${formatNumber(r.deliverableByDeadline ?? 0)} get through by the deadline${fix}`,
    },
  ];
}
