import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

describe('floodgate run: embedded mock configs are checked with the scenario', () => {
  it('reports a bad mock setting with its position and hint, with the other problems, before starting anything', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fg-run-')), 'bad.yaml');
    writeFileSync(
      file,
      [
        'name: bad-mock',
        'system:',
        '  providers:',
        '    alimtalk: { kind: alimtalk, tps: -5, overLimt: reject }',
        '    theirs: { url: "http://127.0.0.1:9/" }',
        'load:',
        '  - campaign: { name: w, channel: alimtalk, recipients: 10, template: welcome, params: { name: x } }',
        'thresholds:',
        '  campaign.w.lost: "== zero"',
        '',
      ].join('\n'),
    );
    const { code, err } = await cli(['run', file]);
    expect(code).toBe(4);
    expect(err).toContain(`${file}:4:38 system.providers.alimtalk.tps: a rate cannot be negative, got -5`);
    expect(err).toContain(`${file}:4:42 system.providers.alimtalk.overLimt: unknown key \`overLimt\` (did you mean \`overLimit\`?)`);
    expect(err).toMatch(/campaign\.w\.lost: "== zero"/);
    expect(err).not.toMatch(/theirs/);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('checks the settings pushed to a long-lived mock too: a misspelt key next to `url` is an error, not ignored', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fg-run-')), 'ext.yaml');
    writeFileSync(
      file,
      [
        'name: ext',
        'system:',
        '  dispatcher: http://127.0.0.1:9',
        '  providers:',
        '    a: { kind: alimtalk, url: "http://127.0.0.1:9", tps: 100, latencx: { fixed: 5ms } }',
        'load:',
        '  - campaign: { name: w, channel: alimtalk, provider: a, recipients: 5, template: welcome }',
        '',
      ].join('\n'),
    );
    const { code, err } = await cli(['run', file]);
    expect(code).toBe(4);
    expect(err).toContain(`${file}:5:63 system.providers.a.latencx: unknown key \`latencx\``);
  });

  it('refuses a threshold on a series no monitor keeps, before anything starts', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fg-run-')), 'series.yaml');
    writeFileSync(
      file,
      [
        'name: series',
        'system:',
        '  dispatcher: http://127.0.0.1:9',
        'load:',
        '  - phases: { target: GET /, stages: [ { duration: 1s, rate: 1 } ] }',
        'monitors:',
        '  prometheus: [ { name: dispatcher, url: /metrics, series: [ { metric: process_resident_memory_bytes, as: rss } ] } ]',
        'thresholds:',
        '  dispatcher.rss.max: "< 256MB"',
        '  nosuchmon.rss.max: "< 256MB"',
        '  dispatcher.heap: "< 256MB"',
        '',
      ].join('\n'),
    );
    const { code, err } = await cli(['run', file]);
    expect(code).toBe(4);
    const lines = err.split('\n').filter((l) => l.startsWith('  '));
    expect(lines).toEqual([
      expect.stringMatching(
        /series\.yaml:10:22 thresholds\.nosuchmon\.rss\.max: no monitor keeps a series `nosuchmon\.rss`.*\(monitored series: dispatcher\.rss\)/,
      ),
      expect.stringMatching(/series\.yaml:11:20 thresholds\.dispatcher\.heap: no monitor keeps a series `dispatcher\.heap`/),
    ]);
  });
});
