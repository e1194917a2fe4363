/** Counts events in 100 ms buckets over the last `spanMs`: a cheap "current rate". */
export interface RateMeter {
  add(n: number, now: number): void;
  /** Events per second over the last span. */
  rate(now: number): number;
}

/** Creates a {@link RateMeter} (default span 5 s). */
export function createRateMeter(spanMs = 5000): RateMeter {
  const bucketMs = 100;
  const size = Math.ceil(spanMs / bucketMs);
  const counts = new Float64Array(size);
  let last = 0;
  const roll = (now: number) => {
    const bucket = Math.floor(now / bucketMs);
    if (last === 0) last = bucket;
    const gap = Math.min(size, bucket - last);
    for (let i = 1; i <= gap; i++) counts[(last + i) % size] = 0;
    if (bucket > last) last = bucket;
  };
  return {
    add(n, now) {
      roll(now);
      counts[last % size] = (counts[last % size] ?? 0) + n;
    },
    rate(now) {
      roll(now);
      let sum = 0;
      for (const c of counts) sum += c;
      return sum / (spanMs / 1000);
    },
  };
}
