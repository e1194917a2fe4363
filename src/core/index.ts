/** floodgate's core: coded errors, exit codes, units, clock and RNG. Imports nothing of the project. */

export type { Clock, ManualClock } from './clock.ts';
export { createManualClock, systemClock } from './clock.ts';
export type { ErrorCode, Issue, SourceLocation } from './errors.ts';
export {
  ERROR_CATALOG,
  FloodgateError,
  formatIssue,
  formatLocation,
  formatPath,
  InputError,
  InternalError,
  MAX_VALUE_CHARS,
  RunInvalidError,
  shortenMessage,
  truncate,
} from './errors.ts';
export { ExitCode } from './exit-codes.ts';
export { parseConfigObject } from './parse-object.ts';
export {
  CampaignStats,
  LatencySummary,
  PENDING_VERDICT,
  ProviderStats,
  RESULT_SCHEMA_VERSION,
  Result,
  Series,
  SweepStats,
  ThresholdOutcome,
  TimelineSecond,
  Validity,
} from './result.ts';
export type { Rng } from './rng.ts';
export { createRng } from './rng.ts';
export { count, durationMs, fraction, money, positive, ratePerSecond, share, sizeBytes } from './schema-fields.ts';
export type { QuantityKind } from './units.ts';
export {
  formatBinaryBytes,
  formatBytes,
  formatDuration,
  formatQuantity,
  parseCount,
  parseDuration,
  parseMoney,
  parsePercent,
  parseRate,
  parseSize,
  round,
} from './units.ts';
