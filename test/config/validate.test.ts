import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseYamlSource, readYamlFile, suggest, validateSource } from '../../src/config/index.ts';
import { durationMs, FloodgateError, formatIssue, ratePerSecond } from '../../src/core/index.ts';

const schema = z
  .object({
    name: z.string(),
    traffic: z
      .object({
        responseTime: durationMs(),
        peakConnections: z.number().positive(),
        rate: ratePerSecond().optional(),
      })
      .strict(),
    mix: z.array(z.object({ feature: z.string(), calls: z.number().positive() }).strict()).default([]),
  })
  .strict();

function problems(text: string): string[] {
  try {
    validateSource(schema, parseYamlSource(text, 'plan.yaml'));
  } catch (error) {
    expect(error).toBeInstanceOf(FloodgateError);
    expect((error as FloodgateError).exitCode).toBe(4);
    return (error as FloodgateError).issues.map(formatIssue);
  }
  throw new Error('expected a validation error');
}

describe('validateSource', () => {
  it('defaults and freezes a valid file', () => {
    const value = validateSource(schema, parseYamlSource('name: a\ntraffic: { responseTime: 200ms, peakConnections: 25 }\n', 'p.yaml'));
    expect(value).toEqual({ name: 'a', traffic: { responseTime: 200, peakConnections: 25 }, mix: [] });
    expect(Object.isFrozen(value.traffic)).toBe(true);
  });

  it('reports every problem at once, each with file:line:column and key path', () => {
    const text = [
      'name: story1',
      'traffic:',
      '  respnseTime: 200ms',
      '  peakConnections: "lots"',
      '  rate: -5',
      'mix:',
      '  - { feature: a, calls: 0 }',
      '',
    ].join('\n');
    expect(problems(text)).toEqual([
      'plan.yaml:3:3 traffic.responseTime: is required',
      'plan.yaml:3:3 traffic.respnseTime: unknown key `respnseTime` (did you mean `responseTime`?)',
      'plan.yaml:4:20 traffic.peakConnections: expected a number, got string "lots"',
      'plan.yaml:5:9 traffic.rate: a rate cannot be negative, got -5',
      'plan.yaml:7:26 mix[0].calls: must be > 0, got 0',
    ]);
  });

  it('reports a bad unit with what would be accepted', () => {
    expect(problems('name: a\ntraffic: { responseTime: 200 parsecs, peakConnections: 1 }\n')).toEqual([
      'plan.yaml:2:26 traffic.responseTime: "200 parsecs" is not a duration; write e.g. 200ms, 50s, 30m, 1h30m',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    try {
      parseYamlSource('name: a\ntraffic: { responseTime: 200ms\n', 'bad.yaml');
      expect.unreachable();
    } catch (error) {
      const e = error as FloodgateError;
      expect(e.code).toBe('FG_CONFIG_SYNTAX');
      expect(e.exitCode).toBe(4);
      expect(formatIssue(e.issues[0]!)).toMatch(/^bad\.yaml:\d+:\d+ /);
    }
  });

  it.each([
    ['a { on line 2 never closed', 'name: a\nsystem: { dispatcher: embedded\nload: []\n', 'bad.yaml:2:9 this "{" is never closed'],
    [
      'a [ inside a block, never closed',
      'name: a\nload:\n  - phases:\n      stages: [ { duration: 1s, rate: 1 }\nthresholds: {}\n',
      'bad.yaml:4:15 this "[" is never closed',
    ],
  ])('points an unclosed bracket error at the bracket, not at the line after it: %s', (_what, text, expected) => {
    try {
      parseYamlSource(text, 'bad.yaml');
      expect.unreachable();
    } catch (error) {
      const e = error as FloodgateError;
      expect(e.code).toBe('FG_CONFIG_SYNTAX');
      expect(e.issues.map(formatIssue).join('\n')).toContain(expected);
    }
  });

  it('reports a duplicate key as a syntax error', () => {
    expect(() => parseYamlSource('a: 1\na: 2\n', 'dup.yaml')).toThrow(/YAML syntax error/);
  });

  it('names a missing file', async () => {
    await expect(readYamlFile('/nonexistent/plan.yaml')).rejects.toMatchObject({ code: 'FG_FILE_NOT_FOUND', exitCode: 4 });
  });
});

describe('suggest', () => {
  it.each([
    ['respnseTime', 'responseTime'],
    ['responsetime', 'responseTime'],
    ['peakConections', 'peakConnections'],
    ['zzz', undefined],
  ])('%s -> %s', (word, expected) => expect(suggest(word, ['responseTime', 'peakConnections', 'thinkTime'])).toBe(expected));
});
