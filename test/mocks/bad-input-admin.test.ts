import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { ALIMTALK_PATH, alimtalkBody, post, startMocks } from './helpers.ts';

let started: Awaited<ReturnType<typeof startMocks>>;
let dir: string;
beforeAll(async () => {
  started = await startMocks({ providers: { alimtalk: { kind: 'alimtalk' }, fcm: { kind: 'fcm' } } });
  dir = mkdtempSync(join(tmpdir(), 'fg-mock-bad-'));
});
afterAll(async () => {
  await started.close();
  rmSync(dir, { recursive: true, force: true });
});

async function put(path: string, body: unknown) {
  const response = await fetch(`${started.adminUrl}${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as { error?: string; issues?: { path: string[]; message: string }[] } };
}

describe('mock admin API: a bad config is a 400 naming the field, and the mock keeps working', () => {
  it('refuses a fault probability above 100% (it used to be stored as 1.5 and break every later PUT)', async () => {
    const bad = await put('/fcm/config', { faults: [{ action: 'status', probability: '150%' }] });
    expect(bad.status).toBe(400);
    expect(bad.json.issues).toEqual([{ path: ['faults', 0, 'probability'], message: 'must be at most 100%, got 150%' }]);
    // Nothing was stored: the next PUT works and the probability is still unset.
    const next = await put('/fcm/config', { faults: [{ action: 'status', probability: '50%' }] });
    expect(next.status).toBe(200);
    const config = (await (await fetch(`${started.adminUrl}/fcm/config`)).json()) as { faults: { probability: number }[] };
    expect(config.faults[0]?.probability).toBe(0.5);
    expect((await put('/fcm/config', { faults: [] })).status).toBe(200);
  });

  it('refuses an invalid recipient regex with a 400, not a 500', async () => {
    const bad = await put('/fcm/config', { faults: [{ action: 'reset', recipient: '((' }] });
    expect(bad.status).toBe(400);
    expect(bad.json.issues?.[0]?.path).toEqual(['faults', 0, 'recipient']);
    expect(bad.json.issues?.[0]?.message).toMatch(/^not a valid regular expression \(Unterminated group\)$/);
    expect((await fetch(`${started.adminUrl}/fcm/stats`)).status).toBe(200);
  });
});

describe('Alimtalk mock: a prototype key is an unknown template, never admitted', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'templateCode %s gets -1006 (400) and is not admitted',
    async (code) => {
      const before = started.mocks.providers.alimtalk?.stats().admitted;
      const answer = await post(`${started.urls.alimtalk}${ALIMTALK_PATH}`, alimtalkBody([{ no: '01000000001', name: 'Kim' }], code));
      expect(answer.status).toBe(400);
      expect(answer.json.header).toMatchObject({ isSuccessful: false, resultCode: -1006, resultMessage: 'unknown templateCode' });
      expect(started.mocks.providers.alimtalk?.stats().admitted).toBe(before);
    },
  );
});

describe('floodgate mock --config: bad fault settings are bad input (exit 4) with positions', () => {
  it('names faults[0].recipient and faults[1].probability', async () => {
    const file = join(dir, 'mocks.yaml');
    writeFileSync(
      file,
      'providers:\n  fcm:\n    kind: fcm\n    faults:\n      - { action: reset, recipient: "((" }\n      - { action: reset, probability: 150% }\n',
    );
    const { code, err } = await cli(['mock', '--config', file, '--port', '0']);
    expect(code).toBe(4);
    expect(err).toContain(`${file}:5:37 providers.fcm.faults[0].recipient: not a valid regular expression (Unterminated group)`);
    expect(err).toContain(`${file}:6:39 providers.fcm.faults[1].probability: must be at most 100%, got 150%`);
    expect(err).not.toMatch(/internal error|\n\s+at /);
  });
});
