import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/cli/run/load-scenario.ts';
import { type FloodgateError, formatIssue } from '../../src/core/index.ts';

/** `due:` as `floodgate run` loads it: template variables of a custom start and lateness thresholds, checked before the run. */

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fg-due-load-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function problems(name: string, text: string): Promise<string[]> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, text);
  const error = await loadScenario(file, { scale: 1 }).catch((e: FloodgateError) => e);
  if (!(error instanceof Error)) return [];
  expect((error as FloodgateError).exitCode).toBe(4);
  return (error as FloodgateError).issues.map(formatIssue);
}

const campaign = (due: string, start = '') => `name: due-load
system: { dispatcher: "http://127.0.0.1:1" }
load:
  - campaign:
      name: plain
      channel: push
      recipients: 10
      template: t
  - campaign:
      name: timed
      channel: push
      recipients: 10
      template: t
      due: ${due}
${start}`;

describe('loading a scenario with due times', () => {
  it('offers {{dueAt}}, {{dueAtMs}} and the pattern’s own fields to a custom start request', async () => {
    const start = `      start:
        method: POST
        path: /jobs
        body: { at: "{{dueAt}}", atMs: "{{dueAtMs}}", every: "{{dueEveryMs}}", batch: "{{dueBatch}}" }
`;
    expect(await problems('every', `${campaign('{ at: 1s, every: 1s, batch: 5 }', start)}`)).toEqual([]);
    const spread = await problems('spread', `${campaign('{ at: 1s, spread: 5s }', start)}`);
    expect(spread.join('\n')).toMatch(/spread\.yaml:\d+:\d+ .*unknown template field \{\{dueEveryMs\}\}/);
    expect(spread.join('\n')).toMatch(/dueSpreadMs/);
  });

  it('refuses a lateness threshold on a campaign without due times, with its line', async () => {
    const found = await problems(
      'thresholds',
      `${campaign('{ at: 1s }')}thresholds:\n  campaign.plain.lateness.p99: "< 5s"\n  campaign.timed.early: "== 0"\n`,
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /thresholds\.yaml:\d+:\d+ .*campaign `plain` has no `due:`, so it has no lateness or early deliveries to check/,
    );
  });
});
