/** How a bucket of points becomes one: keep the peak, the mean, or the last value. */
export type Reducer = 'max' | 'mean' | 'last';

/** Most points a chart line carries; a one-hour timeline (3,600 s) becomes 600 six-second buckets. */
export const MAX_CHART_POINTS = 600;

/**
 * Shrinks `[t, value]` points (sorted by t) to at most `maxPoints` by grouping consecutive points
 * into equal buckets, each placed at its first t. `max` keeps spikes visible (latency, windows),
 * `mean` keeps totals honest (rates), `last` suits cumulative curves. Returns the bucket size
 * so captions can say what one point stands for.
 */
export function downsample(
  points: readonly (readonly [number, number])[],
  reducer: Reducer,
  maxPoints = MAX_CHART_POINTS,
): { points: [number, number][]; bucket: number } {
  const bucket = Math.max(1, Math.ceil(points.length / maxPoints));
  if (bucket === 1) return { points: points.map(([t, v]) => [t, v]), bucket };
  const out: [number, number][] = [];
  for (let i = 0; i < points.length; i += bucket) {
    const end = Math.min(points.length, i + bucket);
    let acc = reducer === 'max' ? Number.NEGATIVE_INFINITY : 0;
    for (let k = i; k < end; k++) {
      const v = (points[k] as readonly [number, number])[1];
      if (reducer === 'max') acc = Math.max(acc, v);
      else if (reducer === 'mean') acc += v;
      else acc = v;
    }
    if (reducer === 'mean') acc /= end - i;
    out.push([(points[i] as readonly [number, number])[0], acc]);
  }
  return { points: out, bucket };
}
