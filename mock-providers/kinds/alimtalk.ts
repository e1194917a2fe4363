import { z } from 'zod';
import { share } from '../../src/core/index.ts';
import { CallbacksSpec, common, DEFAULTS, ms, tps } from '../config-parts.ts';
import { FixedWindowLimiter, type Limiter, SlidingLogLimiter, TokenBucketLimiter, UnlimitedLimiter } from '../limiters.ts';
import { alimtalkPlugin } from '../providers/alimtalk.ts';
import { perWindow } from './shared.ts';
import type { MockKind } from './types.ts';

/** The broker's defaults: 200 recipients a second in epoch-aligned windows, one sender key, one template. */
export const ALIMTALK_DEFAULTS = {
  tps: 200,
  window: 1_000,
  algorithm: 'window',
  overLimit: 'reject',
  appKey: 'floodgate-app',
  secretKey: null,
  senderKeys: ['floodgate-sender'],
  templates: { welcome: '안녕하세요 #{name}님, floodgate에 오신 것을 환영합니다.' },
} as const;

/** A Korean Alimtalk broker (NHN-Cloud-like): recipients per second, templates, reports. */
export const AlimtalkConfig = z
  .object({
    kind: z.literal('alimtalk'),
    tps: tps(ALIMTALK_DEFAULTS.tps),
    window: ms().default(ALIMTALK_DEFAULTS.window),
    algorithm: z.enum(['window', 'bucket', 'sliding']).default(ALIMTALK_DEFAULTS.algorithm),
    overLimit: z.enum(['reject', 'code', 'brownout']).default(ALIMTALK_DEFAULTS.overLimit),
    appKey: z.string().default(ALIMTALK_DEFAULTS.appKey),
    secretKey: z.string().nullable().default(ALIMTALK_DEFAULTS.secretKey),
    senderKeys: z
      .array(z.string())
      .min(1)
      .default([...ALIMTALK_DEFAULTS.senderKeys]),
    /** Registered templates: code -> text with `#{var}` parameters. */
    templates: z.record(z.string(), z.string()).default({ ...ALIMTALK_DEFAULTS.templates }),
    idempotencyWindow: ms().default(DEFAULTS.idempotencyWindow),
    /**
     * Share of recipient numbers that are not KakaoTalk users: their sends fail with Kakao's 3019,
     * the case a sender falls back to SMS for. Chosen by a hash of the number, so the same numbers
     * fail on every attempt and every run.
     */
    notKakaoUsers: share().default(0),
    callbacks: CallbacksSpec.default(CallbacksSpec.parse({})),
    ...common,
  })
  .strict();
export type AlimtalkConfig = z.output<typeof AlimtalkConfig>;

function alimtalkLimiter(c: AlimtalkConfig): Limiter {
  if (c.tps === null) return new UnlimitedLimiter();
  if (c.algorithm === 'bucket') return new TokenBucketLimiter(c.tps, perWindow(c.tps, c.window), false);
  if (c.algorithm === 'sliding') return new SlidingLogLimiter(perWindow(c.tps, c.window), c.window);
  return new FixedWindowLimiter(perWindow(c.tps, c.window), c.window, 'epoch');
}

/** The Alimtalk broker mock, with delivery reports (`callbacks`). */
export const alimtalkKind = {
  kind: 'alimtalk',
  config: AlimtalkConfig,
  plugin: alimtalkPlugin,
  limiter: alimtalkLimiter,
  limitKeys: ['tps', 'window', 'algorithm'],
} as const satisfies MockKind<typeof AlimtalkConfig>;
