import { resolve } from 'node:path';
import { InputError, parsePercent, type Result } from '../core/index.ts';
import { COMPARE_DEFAULTS, type CompareOptions, type Comparison, compareWithBaseline, readResultFile } from '../gate/index.ts';

/** Flags shared by `report` and `gate` for the baseline comparison. */
export const COMPARE_FLAGS = {
  baseline: { type: 'string' },
  noise: { type: 'string' },
  alpha: { type: 'string' },
} as const;

/** `--noise 10%` or `--noise 0.1`. */
export function parseNoise(command: string, value: string | undefined): number {
  if (value === undefined) return COMPARE_DEFAULTS.noise;
  try {
    return parsePercent(/^\d*\.?\d+$/.test(value.trim()) ? Number(value) : value);
  } catch {
    throw new InputError(
      'FG_USAGE',
      `floodgate ${command}: --noise expects a percentage such as 10% or a fraction such as 0.1, got "${value}"`,
    );
  }
}

/** `--alpha 0.05`: a significance level strictly between 0 and 1. */
export function parseAlpha(command: string, value: string | undefined): number {
  if (value === undefined) return COMPARE_DEFAULTS.alpha;
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new InputError('FG_USAGE', `floodgate ${command}: --alpha expects a number between 0 and 1, got "${value}"`);
  return n;
}

/** The flags of a baseline comparison, as given on the command line. */
export interface CompareFlags {
  baseline?: string | undefined;
  noise?: string | undefined;
  alpha?: string | undefined;
}

/** A baseline read from `--baseline`, with the options to compare against it. */
export interface BaselineInput {
  baseline: Result;
  options: CompareOptions & { label: string };
}

/**
 * Validates `--noise` and `--alpha` and reads `--baseline` (null without one), so a bad flag or
 * an unreadable baseline fails (exit 4) before any work is done.
 */
export async function loadBaseline(command: string, cwd: string, flags: CompareFlags): Promise<BaselineInput | null> {
  const noise = parseNoise(command, flags.noise);
  const alpha = parseAlpha(command, flags.alpha);
  if (!flags.baseline) return null;
  const baseline = await readResultFile(resolve(cwd, flags.baseline));
  return { baseline, options: { noise, alpha, label: flags.baseline } };
}

/** Reads the result and, when `--baseline` is given, the baseline, and compares them. */
export async function loadResultAndComparison(
  command: string,
  cwd: string,
  file: string | undefined,
  flags: CompareFlags,
): Promise<{ result: Result; resultPath: string; comparison: Comparison | null }> {
  if (!file) throw new InputError('FG_USAGE', `floodgate ${command}: give a result file (see floodgate ${command} --help)`);
  const input = await loadBaseline(command, cwd, flags);
  const resultPath = resolve(cwd, file);
  const result = await readResultFile(resultPath);
  return { result, resultPath, comparison: input && compareWithBaseline(result, input.baseline, input.options) };
}
