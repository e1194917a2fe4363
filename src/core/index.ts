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
export type { QuantityKind } from './format.ts';
export {
  formatBinaryBytes,
  formatBytes,
  formatChange,
  formatCount,
  formatDuration,
  formatElapsed,
  formatFigure,
  formatMoney,
  formatMs,
  formatNumber,
  formatPercent,
  formatPrice,
  formatQuantity,
  formatRange,
  formatRate,
  formatSpan,
  formatTps,
  round,
} from './format.ts';
export { parseConfigObject } from './parse-object.ts';
export type { Channel, ProviderKind, ProviderKindInfo, ProviderUnit } from './providers.ts';
export { CHANNELS, isProviderKind, PROVIDER_KINDS, PROVIDER_UNITS, PROVIDERS } from './providers.ts';
export type { ProjectedOutcome } from './result.ts';
export {
  CampaignStats,
  FaultStats,
  IsolationStats,
  LatencySummary,
  LatenessStats,
  PENDING_VERDICT,
  PhaseDeliveryStats,
  ProviderStats,
  RESULT_SCHEMA_VERSION,
  Result,
  SearchStats,
  Series,
  SweepStats,
  ThresholdOutcome,
  TimelineSecond,
  Validity,
} from './result.ts';
export type { Rng } from './rng.ts';
export { createRng } from './rng.ts';
export { count, durationMs, fraction, money, positive, ratePerSecond, share, sizeBytes } from './schema-fields.ts';
export { eucKrLength, LMS_MAX_BYTES, LMS_TITLE_MAX_BYTES, SMS_MAX_BYTES, smsTypeFor } from './sms-text.ts';
export { parseCount, parseDuration, parseMoney, parsePercent, parseRate, parseSize } from './units.ts';
export { type ZodIssue, type ZodIssueContext, zodIssues } from './zod-issues.ts';
