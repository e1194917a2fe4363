import { median } from 'simple-statistics';
import { createRng, InputError, type ProviderStats, type Result } from '../core/index.ts';
import { bootstrapRatio, DEFAULT_RESAMPLES, type RatioInterval } from '../stats/bootstrap.ts';
import { type MannWhitneyResult, mannWhitneyU } from '../stats/mann-whitney.ts';
import { declaredRejectionThreshold } from './checks.ts';

/**
 * Baseline comparison. Correctness counts are compared strictly (any increase is a regression);
 * throughput as efficiency, achieved over what the limit allows, against the noise threshold;
 * latency with a Mann-Whitney U test on per-second samples plus a bootstrap CI of the ratio of
 * medians, a regression only when significant AND beyond the noise threshold.
 *
 * Latency samples: the per-second corrected p95 of the timeline, one value per second with
 * traffic. Per-request values (decoded from the HdrHistograms) are not independent: requests of
 * one run share the machine's state, so with 10^5 of them an A/A comparison would be
 * "significant" far more often than alpha. Seconds are closer to independent units, their count
 * (the run's length) keeps the test's power sensible, and p95 is the tail users and thresholds
 * watch. The corrected latency is used because a stalled generator hides in the raw one.
 */
export interface CompareOptions {
  /** Significance level of the Mann-Whitney test. */
  alpha?: number;
  /** Relative change below which a difference is noise (0.1 = 10%). */
  noise?: number;
  /** Seed of the bootstrap, so the same two files always give the same verdict. */
  seed?: string | number;
  resamples?: number;
  /** A label for the baseline in messages (its file name). */
  label?: string;
}

/** The defaults of {@link CompareOptions}, in one place. */
export const COMPARE_DEFAULTS = {
  alpha: 0.05,
  noise: 0.1,
  seed: 'floodgate-gate',
  resamples: DEFAULT_RESAMPLES,
  label: 'baseline',
} as const;

/** Fills in {@link COMPARE_DEFAULTS}; an option given as undefined keeps its default. */
export function resolveCompareOptions(options: CompareOptions): Required<CompareOptions> {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return { ...COMPARE_DEFAULTS, ...given };
}

/** Fewest per-second samples on each side for a latency comparison. */
export const MIN_LATENCY_SECONDS = 5;

/** A count that must not grow: duplicates, lost, over-limit units, rejections. */
export interface CountDelta {
  metric: string;
  baseline: number | null;
  candidate: number;
  regressed: boolean;
}

/** Throughput efficiency: achieved rate / the rate the limit (or the schedule) allows. */
export interface EfficiencyDelta {
  metric: string;
  baseline: number;
  candidate: number;
  /** candidate / baseline - 1. */
  change: number;
  regressed: boolean;
}

/** The latency comparison on per-second corrected p95 samples. */
export interface LatencyDelta {
  metric: string;
  samples: { baseline: number; candidate: number };
  /** The per-second samples themselves, for the report's overlay. */
  values: { baseline: number[]; candidate: number[] };
  baselineMedian: number;
  candidateMedian: number;
  ratio: RatioInterval;
  test: MannWhitneyResult;
  significant: boolean;
  beyondNoise: boolean;
  regressed: boolean;
}

/** Everything a comparison found. `reasons` name each regression in one line. */
export interface Comparison {
  baseline: { label: string; scenario: string; hash: string; toolVersion: string; startedAt: string };
  options: { alpha: number; noise: number; resamples: number };
  warnings: string[];
  notes: string[];
  counts: CountDelta[];
  efficiency: EfficiencyDelta[];
  latency: LatencyDelta | null;
  regressed: boolean;
  reasons: string[];
}

/**
 * Refuses (exit 4) a baseline recorded from another scenario than `scenario` (compared by the
 * hash of the scenario file). `floodgate run --baseline` calls it before the run, so a wrong
 * baseline fails before the load does.
 */
export function checkSameScenario(baseline: Result, scenario: { name: string; hash: string }, label: string): void {
  const b = baseline.meta.scenario;
  if (scenario.hash !== b.hash) {
    throw new InputError(
      'FG_RESULT_INVALID',
      `${label} is from another scenario (${b.name}, hash ${b.hash}) than the result (${scenario.name}, hash ${scenario.hash}); refusing to compare. Record a new baseline with this scenario.`,
    );
  }
}

/**
 * Refuses a baseline that cannot be compared: another scenario (hash) is bad input (exit 4), never
 * compared silently. A different tool major version or scale is a warning.
 */
export function checkComparable(candidate: Result, baseline: Result, label: string): string[] {
  checkSameScenario(baseline, candidate.meta.scenario, label);
  const warnings: string[] = [];
  const major = (v: string) => v.split('.')[0];
  if (major(candidate.meta.tool.version) !== major(baseline.meta.tool.version)) {
    warnings.push(
      `${label} was made by floodgate ${baseline.meta.tool.version}, this result by ${candidate.meta.tool.version}: measurements may differ`,
    );
  }
  if (candidate.meta.scale !== baseline.meta.scale)
    warnings.push(`${label} ran at scale ${baseline.meta.scale}, this result at ${candidate.meta.scale}`);
  return warnings;
}

/**
 * Compares a result with a baseline of the same scenario; throws {@link InputError} for another
 * scenario. Given several results (repetitions of one candidate, `floodgate run --repeat N`), they
 * are pooled: counts take the worst repetition (correctness is never noise), efficiency the
 * median of the per-repetition figures, latency the per-second samples of every repetition.
 */
export function compareWithBaseline(candidate: Result | readonly Result[], baseline: Result, options: CompareOptions = {}): Comparison {
  const o = resolveCompareOptions(options);
  const runs: readonly Result[] = Array.isArray(candidate) ? candidate : [candidate as Result];
  if (runs.length === 0) throw new InputError('FG_USAGE', 'nothing to compare with the baseline');
  const warnings = [...new Set(runs.flatMap((r) => checkComparable(r, baseline, o.label)))];
  const notes: string[] = runs.length > 1 ? [`${runs.length} repetitions pooled against ${o.label}`] : [];
  const counts = compareCounts(runs, baseline, notes);
  const efficiency = compareEfficiency(runs, baseline, o.noise);
  const latency = compareLatency(runs, baseline, o, notes);
  const reasons = [
    ...counts.filter((c) => c.regressed).map((c) => `${c.metric} rose from ${c.baseline ?? 0} to ${c.candidate}`),
    ...efficiency
      .filter((e) => e.regressed)
      .map((e) => `${e.metric} fell ${pct(-e.change)} (${pct(e.baseline)} -> ${pct(e.candidate)} of what the limit allows)`),
    ...(latency?.regressed ? [describeLatency(latency)] : []),
  ];
  const b = baseline.meta;
  return {
    baseline: { label: o.label, scenario: b.scenario.name, hash: b.scenario.hash, toolVersion: b.tool.version, startedAt: b.startedAt },
    options: { alpha: o.alpha, noise: o.noise, resamples: o.resamples },
    warnings,
    notes,
    counts,
    efficiency,
    latency,
    regressed: reasons.length > 0,
    reasons,
  };
}

/** One line: `latency p95/s +62% (95% CI +55%..+70%, Mann-Whitney p=0.0001)`. */
export function describeLatency(l: LatencyDelta): string {
  const sign = (r: number) => `${r >= 1 ? '+' : ''}${pct(r - 1)}`;
  const p = l.test.p < 1e-4 ? l.test.p.toExponential(1) : l.test.p.toPrecision(2);
  return `${l.metric} ${sign(l.ratio.estimate)} (${Math.round(l.baselineMedian)} -> ${Math.round(l.candidateMedian)} ms; ${Math.round(l.ratio.confidence * 100)}% CI ${sign(l.ratio.lower)}..${sign(l.ratio.upper)}; Mann-Whitney p=${p})`;
}

// The worst repetition's count: a duplicate in any repetition is a real duplicate.
function compareCounts(runs: readonly Result[], baseline: Result, notes: string[]): CountDelta[] {
  const out: CountDelta[] = [];
  const push = (metric: string, cand: number, base: number | null) =>
    out.push({ metric, baseline: base, candidate: cand, regressed: cand > (base ?? 0) });
  const first = runs[0] as Result;
  const worst = (read: (r: Result) => number | undefined) => Math.max(0, ...runs.map((r) => read(r) ?? 0));
  for (const name of Object.keys(first.providers)) {
    const b = baseline.providers[name];
    const p = (r: Result) => r.providers[name];
    if (!b) notes.push(`provider ${name} is not in the baseline; its counts are compared with zero`);
    push(
      `provider.${name}.duplicates`,
      worst((r) => p(r)?.duplicates),
      b?.duplicates ?? null,
    );
    push(
      `provider.${name}.overLimit`,
      worst((r) => (p(r) ? overLimit(p(r) as ProviderStats) : 0)),
      b ? overLimit(b) : null,
    );
    // Expected rejections (the scenario's own threshold) vary run to run: that threshold judges them.
    if (declaredRejectionThreshold(first, name))
      notes.push(`provider ${name}: rejections are judged by the scenario's own threshold, not compared`);
    else
      push(
        `provider.${name}.rejected`,
        worst((r) => p(r)?.rejected),
        b?.rejected ?? null,
      );
  }
  for (const c of first.campaigns) {
    const b = baseline.campaigns.find((x) => x.name === c.name);
    const mine = (r: Result) => r.campaigns.find((x) => x.name === c.name);
    if (!b) notes.push(`campaign ${c.name} is not in the baseline; its counts are compared with zero`);
    push(
      `campaign.${c.name}.lost`,
      worst((r) => mine(r)?.lost),
      b?.lost ?? null,
    );
    push(
      `campaign.${c.name}.duplicated`,
      worst((r) => mine(r)?.duplicated),
      b?.duplicated ?? null,
    );
  }
  return out;
}

/** Units admitted in the worst sliding second beyond the limit (0 when within it or unlimited). */
function overLimit(p: ProviderStats): number {
  return p.limitPerSecond === null ? 0 : Math.max(0, p.maxPerSecondWindow - p.limitPerSecond);
}

// The median of the per-repetition efficiencies: one slow repetition on a busy machine is noise.
function compareEfficiency(runs: readonly Result[], baseline: Result, noise: number): EfficiencyDelta[] {
  const out: EfficiencyDelta[] = [];
  const push = (metric: string, values: (number | null)[], b: number | null) => {
    const known = values.filter((v): v is number => v !== null);
    if (known.length === 0 || b === null || b === 0) return;
    const c = median(known);
    const change = c / b - 1;
    out.push({ metric, baseline: b, candidate: c, change, regressed: change < -noise });
  };
  for (const name of Object.keys((runs[0] as Result).providers)) {
    const b = baseline.providers[name];
    const per = runs.map((r) => {
      const p = r.providers[name];
      return p ? providerEfficiency(p, r.meta.duration) : null;
    });
    if (b) push(`provider.${name}.efficiency`, per, providerEfficiency(b, baseline.meta.duration));
  }
  push('http.efficiency', runs.map(httpEfficiency), httpEfficiency(baseline));
  return out;
}

/**
 * Achieved rate over the limit: admitted / (limit x seconds of sending), where the sending span
 * runs from the first to the last second with an admit (idle tails are not the dispatcher's
 * fault), or the run's duration without per-second data. Null without a limit.
 */
export function providerEfficiency(p: Result['providers'][string], durationMs: number): number | null {
  if (p.limitPerSecond === null || p.limitPerSecond <= 0) return null;
  const active = p.perSecond.filter((s) => s.admitted > 0);
  const first = active[0];
  const last = active[active.length - 1];
  const seconds = first && last ? (last.t - first.t) / 1000 + 1 : durationMs / 1000;
  return seconds > 0 ? p.admitted / (p.limitPerSecond * seconds) : null;
}

/** Completed over intended requests across the timeline: what the schedule asked for. */
export function httpEfficiency(result: Result): number | null {
  let intended = 0;
  let completed = 0;
  for (const s of result.timeline) {
    intended += s.intended;
    completed += s.completed;
  }
  return intended > 0 ? completed / intended : null;
}

/** The per-second corrected p95 values of the seconds that had traffic. */
export function latencySamples(result: Result): number[] {
  const out: number[] = [];
  for (const s of result.timeline) if (s.latencyCorrected.count > 0 && s.latencyCorrected.p95 !== null) out.push(s.latencyCorrected.p95);
  return out;
}

function compareLatency(runs: readonly Result[], baseline: Result, o: Required<CompareOptions>, notes: string[]): LatencyDelta | null {
  const b = latencySamples(baseline);
  const c = runs.flatMap(latencySamples);
  if (b.length < MIN_LATENCY_SECONDS || c.length < MIN_LATENCY_SECONDS) {
    notes.push(`latency not compared: ${b.length} and ${c.length} seconds with traffic (need ${MIN_LATENCY_SECONDS} each)`);
    return null;
  }
  const test = mannWhitneyU(c, b);
  const ratio = bootstrapRatio(b, c, { rng: createRng(o.seed), statistic: 'median', resamples: o.resamples });
  const baselineMedian = median(b);
  const candidateMedian = median(c);
  const significant = test.p < o.alpha && candidateMedian > baselineMedian;
  const beyondNoise = ratio.estimate > 1 + o.noise;
  return {
    metric: 'latency p95/s',
    samples: { baseline: b.length, candidate: c.length },
    values: { baseline: b, candidate: c },
    baselineMedian,
    candidateMedian,
    ratio,
    test,
    significant,
    beyondNoise,
    regressed: significant && beyondNoise,
  };
}

function pct(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}
