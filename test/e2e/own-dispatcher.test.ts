import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type MockCli,
  OWN_BURST_RECIPIENTS,
  OWN_CAMPAIGN,
  OWN_PROVIDER,
  OWN_RECIPIENTS,
  type OwnRun,
  runOwnCase,
  startMockCli,
  stopAllOwn,
} from '../helpers/own-dispatcher.ts';

/**
 * The own-dispatcher flow as a team runs it, every part its own process: `floodgate mock` (one
 * long-lived mock for the whole file), the outside team's Python dispatcher (one process per
 * case, its variant's bug), and `floodgate run --target <dispatcher> --mocks <mock origin>`
 * with a scenario that starts the campaign through the dispatcher's own API. The verdict is
 * read where a CI job reads it: the exit code and the named check in the output.
 */

const CASE = { timeout: 90_000 }; // two full `floodgate run`s and a Python start in the longest case
const DUPLICATES = `provider.${OWN_PROVIDER}.duplicates`;
const WINDOW = `provider.${OWN_PROVIDER}.window`;
const ACCEPTED = `campaign.${OWN_CAMPAIGN}.accepted`;
const LOST = `campaign.${OWN_CAMPAIGN}.lost`;

let dir = '';
let mock: MockCli;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fg-own-e2e-'));
  mock = await startMockCli(dir);
}, 40_000);

afterAll(async () => {
  await stopAllOwn();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What a failed expectation prints: the run's whole output. */
const said = (r: OwnRun) => `exit ${r.code}\n${r.out}\n${r.err}`;

describe('floodgate run --target <own Python dispatcher> --mocks <floodgate mock>', () => {
  it('the correct dispatcher passes twice in a row on the same mock, with the same campaign figures', CASE, async () => {
    const [first, second] = (await runOwnCase('correct', dir, mock)) as [OwnRun, OwnRun];
    for (const r of [first, second]) {
      expect(r.code, said(r)).toBe(0);
      expect(r.out).toMatch(/^PASS/);
      expect(r.campaign).toMatchObject({
        requested: OWN_RECIPIENTS,
        accepted: OWN_RECIPIENTS,
        delivered: OWN_RECIPIENTS,
        lost: 0,
        duplicated: 0,
      });
    }
    // The second run counts only its own deliveries: the first run's 400 are not seen as repeats.
    expect(second.campaign).toEqual(first.campaign);
  });

  it('(a) retry-new-key: a timed-out batch resent under new client keys fails on duplicates', CASE, async () => {
    const [r] = (await runOwnCase('a', dir, mock)) as [OwnRun];
    expect(r.code, said(r)).toBe(1);
    expect(r.failed, said(r)).toContain(DUPLICATES);
    expect(r.out).toMatch(new RegExp(`FAIL ${DUPLICATES}: ${OWN_PROVIDER}: \\d+ recipient\\(s\\) got the same message more than once`));
    expect(r.campaign?.duplicated, said(r)).toBeGreaterThan(0);
  });

  it('(b) a start answered 401 (the dispatcher has another key) fails on accepted', CASE, async () => {
    const [r] = (await runOwnCase('b', dir, mock)) as [OwnRun];
    expect(r.code, said(r)).toBe(1);
    expect(r.failed, said(r)).toEqual([ACCEPTED]);
    expect(r.out).toMatch(/answered 401/);
    expect(r.campaign).toMatchObject({ accepted: 0, delivered: 0 });
  });

  it('(c) forget-second-run: the first run passes, the second on the same mock fails on lost', CASE, async () => {
    const [first, second] = (await runOwnCase('c', dir, mock)) as [OwnRun, OwnRun];
    expect(first.code, said(first)).toBe(0);
    expect(first.campaign).toMatchObject({ accepted: OWN_RECIPIENTS, delivered: OWN_RECIPIENTS, lost: 0 });
    expect(second.code, said(second)).toBe(1);
    expect(second.failed, said(second)).toContain(LOST);
    // It answered 202 for all of them and sent none.
    expect(second.campaign).toMatchObject({ accepted: OWN_RECIPIENTS, delivered: 0, lost: OWN_RECIPIENTS });
  });

  it('(d) boundary-burst: every aligned second at the limit, a sliding second over it, fails on window', CASE, async () => {
    const [r] = (await runOwnCase('d', dir, mock)) as [OwnRun];
    expect(r.code, said(r)).toBe(1);
    expect(r.failed, said(r)).toContain(WINDOW);
    expect(r.failed).not.toContain(DUPLICATES);
    expect(r.campaign).toMatchObject({ delivered: OWN_BURST_RECIPIENTS, lost: 0 });
  });

  it('a ledger that cannot be read is an invalid run (exit 3): the provider base URL, a closed port', CASE, async () => {
    const [baseUrl, closed] = (await runOwnCase('invalid', dir, mock)) as [OwnRun, OwnRun];
    expect(baseUrl.code, said(baseUrl)).toBe(3);
    expect(baseUrl.err).toMatch(/answered 404: .* is not a floodgate mock server's origin/);
    expect(closed.code, said(closed)).toBe(3);
    expect(closed.err).toMatch(/the mock providers at http:\/\/127\.0\.0\.1:\d+ cannot be reached \(connect ECONNREFUSED/);
  });
});
