/**
 * Money: what each channel costs a month, how long credits last, and the monthly ceiling that
 * makes them last as long as the team needs (story 1: ($812 - $48) / 12 = $63.67).
 */

/** A channel's monthly volume and price. */
export interface ChannelCostInput {
  name: string;
  /** Units (mails, messages, pushes) per month. */
  volumePerMonth: number;
  /** Price of `per` units. */
  price: number;
  /** How many units `price` buys (e.g. 1000 for a per-thousand price). */
  per: number;
  /** Units a month that cost nothing (a free tier). */
  freeUnits: number;
}

/** Monthly cost = max(0, volume - free units) x price / per. */
export function channelMonthlyCost(c: ChannelCostInput): number {
  return (Math.max(0, c.volumePerMonth - c.freeUnits) * c.price) / c.per;
}

/**
 * The most a month may cost for the credits to last `months` after paying the upfront
 * commitments: ceiling = (credits - sum(upfront)) / months.
 */
export function monthlyCeiling(credits: number, upfront: readonly number[], months: number): number {
  if (months <= 0) throw new RangeError('months must be > 0');
  return (credits - upfront.reduce((a, b) => a + b, 0)) / months;
}

/**
 * Months the credits last at a monthly spend: runway = (credits - upfront) / spend
 * (Infinity when nothing is spent).
 */
export function creditsRunwayMonths(credits: number, upfront: readonly number[], monthlySpend: number): number {
  const left = credits - upfront.reduce((a, b) => a + b, 0);
  if (monthlySpend <= 0) return Number.POSITIVE_INFINITY;
  return Math.max(0, left / monthlySpend);
}
