/**
 * Process exit codes: a public contract that CI pipelines depend on (documented in README).
 * Only `src/cli` turns these into `process.exitCode`.
 */
export const ExitCode = {
  /** Every threshold held and the run was valid. */
  Pass: 0,
  /** At least one threshold failed. */
  ThresholdsFailed: 1,
  /** A significant regression against the baseline. */
  Regression: 2,
  /** The run cannot be trusted: generator saturated, target unreachable. */
  RunInvalid: 3,
  /** Bad input: a config, scenario, plan, result or argument that does not validate. */
  BadInput: 4,
  /** A defect in floodgate itself. */
  Internal: 5,
} as const;

/** One of the documented exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
