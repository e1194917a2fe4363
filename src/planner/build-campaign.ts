import type { Frozen } from '../config/index.ts';
import type { PlanConfig } from '../config/plan-schema.ts';
import { deliverableBy, drainCurve, drainTimeMs, requiredRate, retryInflation, senderThroughput, workersToSaturate } from './campaign.ts';
import { formatNumber, formatRate, formatSpan } from './format.ts';
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
  const subject = `campaigns.${c.name}`;
  if (verdict === 'misses' && drainMs && deadlineMs && requiredRateSpan) {
    const bound =
      throughput.limitedBy === 'workers'
        ? `${c.workers} worker${c.workers === 1 ? '' : 's'} at ${formatSpan(c.latency as number)} allow${c.workers === 1 ? 's' : ''}`
        : throughput.limitedBy === 'throttle'
          ? 'the throttle allows'
          : "the provider's limit allows";
    const fix = throughput.limitedBy === 'workers' && workersForDeadline !== null ? `; ${workersForDeadline} workers would meet it` : '';
    flags.push({
      severity: 'fail',
      subject,
      message:
        `needs ${formatRate(requiredRateSpan.max)} to finish ${formatNumber(recipients.max)} in ${formatSpan(deadlineMs.min)}, ` +
        `but ${bound} ${formatRate(throughput.perSecond)}: drain takes ${formatSpan(drainMs.max)}; ` +
        `${formatNumber(deliverable ?? 0)} get through by the deadline${fix}`,
    });
  }
  if (verdict === 'unbounded') {
    flags.push({ severity: 'warn', subject, message: 'no provider limit, throttle or workers given: the drain time cannot be computed' });
  }
  return {
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
  };
}
