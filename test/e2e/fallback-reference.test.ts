import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDispatcherConfig } from '../../dispatcher/index.ts';
import { type FloodgateError, Result } from '../../src/core/index.ts';
import { cli } from '../helpers/cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fg-fallback-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Alimtalk with SMS fallback through the reference dispatcher', () => {
  it('PASSes the fallback scenario: every recipient gets exactly one of the two', { timeout: 90_000 }, async () => {
    const out = join(dir, 'run');
    const { code, out: text } = await cli(['run', 'scenarios/alimtalk-sms-fallback.yaml', '--scale', '0.25', '--out', out]);
    const result = Result.parse(JSON.parse(await readFile(join(out, 'result.json'), 'utf8')));
    const campaign = result.campaigns[0];
    expect(campaign).toMatchObject({ accepted: 500, delivered: 500, lost: 0, duplicated: 0 });
    // About a tenth are not KakaoTalk users (a hash of the number picks them): they got an SMS, and nobody got both.
    expect(campaign?.fallback?.both).toBe(0);
    expect(campaign?.fallback?.delivered).toBeGreaterThan(20);
    expect(campaign?.fallback?.delivered).toBeLessThan(100);
    expect(result.providers.sms?.delivered).toBe(campaign?.fallback?.delivered);
    expect(text).toMatch(/ok {3}campaign\.notice\.fallback: campaign notice: no recipient got both/);
    expect(code).toBe(0);
  });

  it('refuses a fallback to an account that is not configured, or of the same channel, naming the key', () => {
    const kakao = { kind: 'alimtalk', baseUrl: 'http://127.0.0.1:1/kakao' };
    const refused = (providers: Record<string, unknown>) => {
      try {
        parseDispatcherConfig({ token: 'long-enough-token', providers });
        return undefined;
      } catch (error) {
        return (error as FloodgateError).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      }
    };
    expect(refused({ kakao: { ...kakao, fallback: 'sms' } })).toEqual([
      'providers.kakao.fallback: no provider account `sms` to fall back to (configured: kakao)',
    ]);
    expect(refused({ kakao: { ...kakao, fallback: 'other' }, other: kakao })?.[0]).toMatch(/serves the same channel \(alimtalk\)/);
    expect(refused({ kakao: { ...kakao, fallback: 'sms' }, sms: { kind: 'sms', baseUrl: 'http://127.0.0.1:1/sms' } })).toBeUndefined();
  });
});
