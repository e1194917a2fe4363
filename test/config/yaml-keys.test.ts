import { describe, expect, it } from 'vitest';
import { MAX_YAML_BYTES, parseYamlSource } from '../../src/config/index.ts';
import { type FloodgateError, formatIssue, shortenMessage } from '../../src/core/index.ts';

function problems(text: string, options = {}): { code: string; lines: string[] } {
  try {
    parseYamlSource(text, 'k.yaml', options);
  } catch (error) {
    const e = error as FloodgateError;
    return { code: e.code, lines: e.issues.map(formatIssue) };
  }
  throw new Error('expected the text to be refused');
}

describe('key checks in one pass', () => {
  it('reports every repeated key, nested or not, at the repeat', () => {
    expect(problems('a: 1\nb: { x: 1, x: 2 }\nc:\n  - { y: 1, y: 2 }\na: 3\n')).toEqual({
      code: 'FG_CONFIG_SYNTAX',
      lines: [
        'k.yaml:2:12 b.x: Map keys must be unique',
        'k.yaml:4:13 c[0].y: Map keys must be unique',
        'k.yaml:5:1 a: Map keys must be unique',
      ],
    });
  });

  it('treats 1 and "1" as one key, since they become one object key', () => {
    expect(problems('1: a\n"1": b\n').lines).toEqual(['k.yaml:2:1 1: Map keys must be unique']);
  });

  it('refuses __proto__ anywhere, naming its path', () => {
    expect(problems('list:\n  - { __proto__: { polluted: true } }\n')).toEqual({
      code: 'FG_CONFIG_INVALID',
      lines: ['k.yaml:2:7 list[0].__proto__: `__proto__` is not allowed as a key (a reserved JavaScript name)'],
    });
  });

  it('keeps other keys named like prototype members as plain data', () => {
    expect(parseYamlSource('constructor: 1\ntoString: 2\n', 'k.yaml').data).toEqual({ constructor: 1, toString: 2 });
  });

  it('refuses text above the limit unless the caller raises it', () => {
    const text = `a: "${'x'.repeat(MAX_YAML_BYTES)}"\n`;
    expect(problems(text).lines).toEqual([
      'k.yaml:1:1 the file is 4 MiB; YAML files are limited to 4 MiB (keep recipient lists and large bodies out of it)',
    ]);
    expect((parseYamlSource(text, 'k.yaml', { maxBytes: 2 * MAX_YAML_BYTES }).data as { a: string }).a).toHaveLength(MAX_YAML_BYTES);
  });
});

describe('shortenMessage', () => {
  it('cuts a long quoted value to 200 characters with its full length, and keeps the rest of the message', () => {
    const message = `"${'z'.repeat(5000)}" is not a duration; write e.g. 200ms`;
    expect(shortenMessage(message)).toBe(`"${'z'.repeat(200)}… (5,000 chars)" is not a duration; write e.g. 200ms`);
  });

  it('leaves a short message alone', () => {
    expect(shortenMessage('"fast" is not a rate')).toBe('"fast" is not a rate');
  });
});
