/**
 * floodgate's mock providers: FCM, SES, SendGrid and an Alimtalk broker that push back as
 * the real ones do, and see everything. The only public entry of `mock-providers/`.
 */

export type { CallbackAttempt, CallbackCounters, DeliveryReport } from './callbacks.ts';
export {
  AlimtalkConfig,
  CallbacksSpec,
  DEFAULT_PROVIDERS,
  DEFAULTS,
  FaultSpec,
  FcmConfig,
  LatencySpec,
  MocksConfig,
  type MocksConfigInput,
  ProviderConfig,
  type ProviderKind,
  parseMocksConfig,
  SendgridConfig,
  SesConfig,
} from './config.ts';
export { MOCK_KINDS, type MockKind } from './kinds/index.ts';
export { createLatency } from './latency.ts';
export { DuplicateLedger, hashKey, type LedgerSummary, type Offender } from './ledger.ts';
export {
  AllOfLimiter,
  acquire,
  FixedWindowLimiter,
  type LimitDecision,
  type Limiter,
  RollingQuota,
  SlidingLogLimiter,
  TokenBucketLimiter,
  UnlimitedLimiter,
} from './limiters.ts';
export { ALIMTALK_CODES, renderTemplate } from './providers/alimtalk.ts';
export { MeasurementRecorder, type SecondCount } from './recorder.ts';
export { buildLimiter } from './runtime.ts';
export { mockHttpsAgent } from './sdk-agent.ts';
export { createMockProviders, type MockOptions, type MockProvider, type MockProviders } from './server.ts';
