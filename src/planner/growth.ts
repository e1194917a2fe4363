/**
 * Audience growth: linear (a fixed number of new subscribers a month, as story 1 counts +500)
 * or compound (a percentage a month). Months are whole calendar months from today (month 0).
 */

/** How the audience grows. Exactly one of the two is set. */
export type GrowthModel = { kind: 'linear'; perMonth: number } | { kind: 'compound'; ratePerMonth: number };

/**
 * Subscribers after `months`. Linear: S(m) = S0 + g m (story 1: 11,000 + 500 x 24 = 23,000).
 * Compound: S(m) = S0 (1 + r)^m.
 */
export function subscribersAt(start: number, model: GrowthModel, months: number): number {
  return model.kind === 'linear' ? start + model.perMonth * months : start * (1 + model.ratePerMonth) ** months;
}

/**
 * The first whole month at which subscribers reach `target`, or null if never. Inverts the
 * model: linear m = (T - S0) / g; compound m = ln(T / S0) / ln(1 + r); rounded up.
 */
export function monthsUntil(start: number, model: GrowthModel, target: number): number | null {
  if (target <= start) return 0;
  const exact =
    model.kind === 'linear'
      ? model.perMonth > 0
        ? (target - start) / model.perMonth
        : Number.POSITIVE_INFINITY
      : model.ratePerMonth > 0
        ? Math.log(target / start) / Math.log(1 + model.ratePerMonth)
        : Number.POSITIVE_INFINITY;
  if (!Number.isFinite(exact)) return null;
  // Guard against 24.000000000000004 from floating point before rounding up.
  return Math.ceil(exact - 1e-9);
}

/**
 * The first month at which a load that scales with subscribers exceeds the measured capacity,
 * or null if it never does. Load(m) = load0 x S(m) / S0 (load per subscriber held constant),
 * so the capacity stops covering when S(m) > S0 x capacity / load0: the month after the
 * audience reaches the capacity's subscriber equivalent.
 */
export function monthCapacityRunsOut(start: number, model: GrowthModel, load0: number, capacity: number): number | null {
  if (load0 > capacity) return 0;
  const coveredSubscribers = (start * capacity) / load0;
  const reach = monthsUntil(start, model, coveredSubscribers);
  if (reach === null) return null;
  // At exactly the covered figure the load equals capacity: still covered.
  return subscribersAt(start, model, reach) > coveredSubscribers + 1e-9 ? reach : reach + 1;
}
