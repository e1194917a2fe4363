import { InputError, type Rng } from '../core/index.ts';

/** One arrival-rate stage: `rate` per second at its start, moving linearly to `rampTo` at its end. */
export interface RateStage {
  /** Milliseconds. */
  duration: number;
  /** Arrivals per second at the stage's start. */
  rate: number;
  /** Arrivals per second at the stage's end; equal to `rate` when absent. */
  rampTo?: number;
}

/** The plan of a phase as data: when each arrival is meant to leave. */
export interface Schedule {
  /** Intended send times in ms from the phase's start, ascending. */
  times: Float64Array;
  /** Start of each stage in ms from the phase's start. */
  stageStarts: number[];
  /** The phase's length in ms. */
  duration: number;
}

/** The most arrivals one phase may plan (8 bytes each): a bigger plan is a scenario mistake. */
export const MAX_ARRIVALS = 50_000_000;

/**
 * Arrivals a stage holds: the integral of its rate, the area of a trapezoid,
 * (r0 + r1) / 2 * D.
 */
export function stageArrivals(stage: RateStage): number {
  return (((stage.rate + (stage.rampTo ?? stage.rate)) / 2) * stage.duration) / 1000;
}

/**
 * Time into a stage (seconds) at which `need` arrivals have accumulated.
 *
 * Derivation (k6's ramping-arrival-rate executor, `lib/executor/ramping_arrival_rate.go`):
 * with r(t) = r0 + (r1 - r0) t / D, the count is N(t) = r0 t + a t^2 with a = (r1 - r0) / 2D.
 * Solving a t^2 + r0 t - need = 0 for the positive root and rationalising gives
 * t = 2 need / (r0 + sqrt(r0^2 + 4 a need)), which is exact for a = 0 (t = need / r0) and
 * avoids cancellation when a is tiny.
 */
function timeForArrivals(r0: number, a: number, need: number): number {
  if (need <= 0) return 0;
  return (2 * need) / (r0 + Math.sqrt(r0 * r0 + 4 * a * need));
}

/**
 * Builds a phase's intended send times. Uniform arrivals: arrival i (from 0) leaves when the
 * integral of the rate reaches i, so a constant 1,000/s puts exactly 1,000 arrivals in every
 * second at 0, 1, 2, ... ms. Poisson arrivals: the same inversion applied to a unit-rate
 * Poisson process (the time-rescaling theorem: if Lambda is the integrated rate, the points
 * Lambda^-1(E1), Lambda^-1(E1 + E2), ... with Ei ~ Exp(1) form a Poisson process of rate r(t)).
 * Times are rounded to the microsecond so tests can compare exact values.
 */
export function buildSchedule(stages: readonly RateStage[], options: { arrival?: 'uniform' | 'poisson'; rng?: Rng } = {}): Schedule {
  const poisson = options.arrival === 'poisson';
  if (poisson && !options.rng) throw new InputError('FG_INPUT_INVALID', 'a Poisson schedule needs a seeded RNG');
  const total = stages.reduce((sum, s) => sum + stageArrivals(s), 0);
  // A Poisson count varies around the mean; leave room for a few standard deviations.
  const capacity = Math.ceil(total + (poisson ? 10 * Math.sqrt(total) + 10 : 1));
  if (capacity > MAX_ARRIVALS) {
    throw new InputError('FG_INPUT_INVALID', `a phase would plan ${Math.round(total)} arrivals; at most ${MAX_ARRIVALS} fit one run`);
  }
  const times = new Float64Array(capacity);
  const stageStarts: number[] = [];
  let n = 0;
  let offsetMs = 0;
  let before = 0; // arrivals accumulated by the stage's start (fractional)
  let nextPoint = poisson ? exponential(options.rng as Rng) : 0; // next arrival in integral space
  for (const stage of stages) {
    stageStarts.push(offsetMs);
    const r0 = stage.rate;
    const r1 = stage.rampTo ?? stage.rate;
    const seconds = stage.duration / 1000;
    const a = seconds > 0 ? (r1 - r0) / (2 * seconds) : 0;
    const inStage = stageArrivals(stage);
    while (nextPoint < before + inStage && n < capacity) {
      const t = timeForArrivals(r0, a, nextPoint - before);
      times[n++] = Math.round((offsetMs + t * 1000) * 1000) / 1000;
      nextPoint = poisson ? nextPoint + exponential(options.rng as Rng) : nextPoint + 1;
    }
    before += inStage;
    offsetMs += stage.duration;
  }
  return { times: times.slice(0, n), stageStarts, duration: offsetMs };
}

function exponential(rng: Rng): number {
  // Inverse CDF of Exp(1); 1 - u is in (0, 1] so the log is finite.
  return -Math.log(1 - rng.next());
}
