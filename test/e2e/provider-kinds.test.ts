import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDER_KINDS, Result } from '../../src/core/index.ts';
import { cli } from '../helpers/cli.ts';

/**
 * One provider config for both sides: a provider given only `kind:` gets the mock's default limit,
 * and the embedded dispatcher paces to that same limit (it was once unpaced against a 200/s mock:
 * 111,000 rejections, every recipient lost). A quickstart-sized campaign per kind must pass.
 */
const KINDS = [
  // 500 recipients in one unpaced batch of 1,000 would all be refused by a 200/s broker.
  ['alimtalk', 'alimtalk', 500, 'params: { name: floodgate }'],
  ['fcm', 'push', 500, ''],
  // SES's default is 14 recipients a second: 150 take 11 s.
  ['ses', 'email', 150, ''],
  ['sendgrid', 'email', 500, ''],
  // The account's own text for `welcome` (44 bytes in EUC-KR once filled): an SMS each.
  ['sms', 'sms', 500, "params: { name: floodgate }, pattern: '010{n:8}'"],
] as const;

it('covers every registered provider kind', () => {
  expect(KINDS.map(([kind]) => kind).sort()).toEqual([...PROVIDER_KINDS].sort());
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fg-kinds-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('each provider kind, given only its kind', () => {
  it.each(KINDS)(
    '%s (channel %s): %i recipients through the embedded dispatcher pass',
    { timeout: 60_000 },
    async (kind, channel, count, params) => {
      const file = join(dir, `${kind}.yaml`);
      await writeFile(
        file,
        [
          `name: kind-${kind}`,
          'system:',
          `  providers: { p: { kind: ${kind} } }`,
          'load:',
          `  - campaign: { name: c, channel: ${channel}, provider: p, recipients: ${count}, template: welcome, deadline: 40s ${params ? `, ${params}` : ''} }`,
          'tolerances: { lagDegraded: 2s, lagInvalid: 20s, eventLoopLag: 20s, loopBusy: 100% }',
          '',
        ].join('\n'),
      );
      const out = join(dir, kind);
      const { code, out: text } = await cli(['run', file, '--out', out]);
      const result = Result.parse(JSON.parse(await readFile(join(out, 'result.json'), 'utf8')));
      expect(result.campaigns[0]).toMatchObject({ accepted: count, delivered: count, lost: 0, duplicated: 0 });
      expect(result.providers.p).toMatchObject({ rejected: 0, duplicates: 0 });
      expect(result.providers.p?.limitPerSecond).not.toBeNull();
      expect(text).toMatch(/^PASS/);
      expect(code).toBe(0);
    },
  );
});
