import { describe, expect, it } from 'vitest';
import { parseYamlSource, Scenario, scaleScenario, validateSource } from '../../src/config/index.ts';
import { type FloodgateError, formatIssue } from '../../src/core/index.ts';

const parse = (text: string) => validateSource(Scenario, parseYamlSource(text, 's.yaml'));

function problems(text: string): string[] {
  try {
    parse(text);
  } catch (error) {
    expect((error as FloodgateError).exitCode).toBe(4);
    return (error as FloodgateError).issues.map(formatIssue);
  }
  throw new Error('expected a validation error');
}

const CAMPAIGN = '  - campaign: { name: w, channel: alimtalk, recipients: 100, template: welcome }';

describe('the `fault` load step', () => {
  it('parses a restart with its defaults (SIGKILL, no time down, instance 1) and a positional name', () => {
    const s = parse(['name: f', 'load:', CAMPAIGN, '  - fault: { restart: dispatcher, delay: 40s }'].join('\n'));
    expect(s.load[1]?.fault).toEqual({ name: 'fault-2', restart: 'dispatcher', delay: 40_000, signal: 'SIGKILL', down: 0, instance: 1 });
  });

  it('keeps what is written: name, SIGTERM, time down, instance', () => {
    const s = parse(
      [
        'name: f',
        'system: { dispatcherInstances: 2, dispatcherConfig: { db: "postgres://localhost/x" } }',
        'load:',
        CAMPAIGN,
        '  - fault: { name: restart-mid-run, restart: dispatcher, delay: 1m, signal: SIGTERM, down: 2s, instance: 2 }',
      ].join('\n'),
    );
    expect(s.load[1]?.fault).toMatchObject({ name: 'restart-mid-run', delay: 60_000, signal: 'SIGTERM', down: 2000, instance: 2 });
  });

  it('names file:line and the key of every bad value', () => {
    const found = problems(
      ['name: f', 'load:', CAMPAIGN, '  - fault: { restart: mocks, signal: SIGHUP, down: soon, extra: 1 }'].join('\n'),
    );
    expect(found.join('\n')).toMatch(/s\.yaml:4:\d+ load\[1\]\.fault\.restart: must be one of "dispatcher"/);
    expect(found.join('\n')).toMatch(/s\.yaml:4:\d+ load\[1\]\.fault\.signal: must be one of "SIGKILL", "SIGTERM"/);
    expect(found.join('\n')).toMatch(/s\.yaml:4:\d+ load\[1\]\.fault\.down: "soon" is not a duration/);
    expect(found.join('\n')).toMatch(/load\[1\]\.fault.*extra/);
  });

  it('refuses an instance the dispatcher does not have', () => {
    const found = problems(['name: f', 'load:', CAMPAIGN, '  - fault: { restart: dispatcher, instance: 2 }'].join('\n'));
    expect(found).toEqual([
      expect.stringMatching(/s\.yaml:4:\d+ load\[1\]\.fault\.instance: instance 2 does not exist: the dispatcher runs as 1 process$/),
    ]);
  });

  it('is one kind of step: a fault beside a campaign in one step is refused', () => {
    const found = problems(
      ['name: f', 'load:', '  - campaign: { channel: a, recipients: 1, template: t }', '    fault: { restart: dispatcher }'].join('\n'),
    );
    expect(found.join('\n')).toMatch(/exactly one of `phases`, `sweep`, `campaign`, `search` or `fault`/);
  });

  it('lands at the same point of a scaled run, and keeps its time down', () => {
    const s = parse(['name: f', 'load:', CAMPAIGN, '  - fault: { restart: dispatcher, delay: 40s, down: 3s }'].join('\n'));
    expect(scaleScenario(s, 0.01).load[1]?.fault).toMatchObject({ delay: 400, down: 3000 });
  });
});

describe('system.dispatcher as a command floodgate starts', () => {
  it('takes { url, command, cwd, env, ready } with ready /healthz by default', () => {
    const s = parse(
      [
        'name: f',
        'system:',
        '  dispatcher: { url: "http://127.0.0.1:8090", command: [python3, d.py, --port, "8090"], cwd: /tmp, env: { A: b } }',
        'load:',
        CAMPAIGN,
      ].join('\n'),
    );
    expect(s.system.dispatcher).toEqual({
      url: 'http://127.0.0.1:8090',
      command: ['python3', 'd.py', '--port', '8090'],
      cwd: '/tmp',
      env: { A: 'b' },
      ready: '/healthz',
    });
  });

  it('still takes embedded and a URL', () => {
    expect(parse(['name: f', 'load:', CAMPAIGN].join('\n')).system.dispatcher).toBe('embedded');
    const url = parse(['name: f', 'system: { dispatcher: "http://127.0.0.1:1" }', 'load:', CAMPAIGN].join('\n'));
    expect(url.system.dispatcher).toBe('http://127.0.0.1:1');
  });

  it('names the bad keys of the object', () => {
    const found = problems(
      ['name: f', 'system:', '  dispatcher: { url: nowhere, command: [], ready: healthz, shell: true }', 'load:', CAMPAIGN].join('\n'),
    ).join('\n');
    expect(found).toMatch(/s\.yaml:3:\d+ system\.dispatcher\.command/);
    expect(found).toMatch(/s\.yaml:3:\d+ system\.dispatcher\.ready: a path on `url`, e\.g\. \/healthz/);
  });
});
