import { z } from 'zod';
import { durationMs, ratePerSecond } from '../../src/core/index.ts';
import { sendQuotaField } from './quota-field.ts';

/** Keys every provider account takes, whatever its kind. */
export const accountFields = {
  /** Base URL of the provider (the mock's per-provider URL, or the real API). */
  baseUrl: z.url(),
  /** The account's limit in the provider's unit per second; absent means unlimited. */
  tps: ratePerSecond().optional(),
  /** Concurrent requests to this provider. */
  maxInFlight: z.number().int().min(1).max(1024).default(16),
  /** Per-request timeout (headers and body); a timeout is retried with the same client key. */
  timeout: durationMs().prefault('5s'),
  /**
   * The provider's send quota over a rolling window (`50000/24h`: SES's `Max24HourSend`); absent
   * means none. When it is used up the account's sender pauses (rows stay pending) until units
   * leave the window (sender/quota.ts).
   */
  dailyQuota: sendQuotaField().optional(),
};
