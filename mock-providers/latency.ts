import type { Rng } from '../src/core/index.ts';
import type { LatencySpec } from './config.ts';

/**
 * z such that P(Z <= z) = 0.99 for a standard normal (Abramowitz & Stegun table 26.1):
 * a lognormal with median m has p99 = m * exp(sigma * z), hence sigma = ln(p99 / m) / z.
 */
const Z99 = 2.326347874;

/** Draws a standard normal by Box-Muller (Box & Muller 1958) from two uniforms. */
function normal(rng: Rng): number {
  const u = 1 - rng.next(); // (0, 1]: log stays finite
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A sampler of delays in ms. */
export type Sampler = () => number;

/** Builds a sampler from a latency spec: fixed, uniform in [min, max], or lognormal from median and p99. */
export function createLatency(spec: LatencySpec, rng: Rng): Sampler {
  if ('fixed' in spec) {
    const value = spec.fixed;
    return () => value;
  }
  if ('min' in spec) {
    const { min, max } = spec;
    return () => min + rng.next() * Math.max(0, max - min);
  }
  const { median, p99 } = spec;
  if (median <= 0) return () => 0;
  // ln X ~ N(mu, sigma^2) with mu = ln(median) (the median of a lognormal is e^mu).
  const mu = Math.log(median);
  const sigma = Math.max(0, Math.log(Math.max(p99, median) / median) / Z99);
  return () => Math.exp(mu + sigma * normal(rng));
}
