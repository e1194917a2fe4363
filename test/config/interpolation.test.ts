// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about `${VAR}` written in YAML text.
import { describe, expect, it } from 'vitest';
import { parseYamlSource } from '../../src/config/index.ts';

describe('${VAR} interpolation', () => {
  const env = { PORT: '8080', KEY: 'k-123', EMPTY: '' };
  it('fills values from the environment, with defaults, typed when whole', () => {
    const source = parseYamlSource(
      'a: "http://127.0.0.1:${PORT}/x"\nb: ${PORT}\nc: ${MISSING:-fallback}\nd: ${EMPTY:-used}\ne: "$${PORT} stays"\n${KEY}: keys are not touched\n',
      's.yaml',
      { env },
    );
    expect(source.data).toEqual({
      a: 'http://127.0.0.1:8080/x',
      b: 8080,
      c: 'fallback',
      d: 'used',
      e: '${PORT} stays',
      '${KEY}': 'keys are not touched',
    });
  });

  it('names every unset variable with its file:line:column', () => {
    expect(() => parseYamlSource('a: ok\nb: "${NOPE}"\nc:\n  - x ${ALSO_NOPE} y\n', 's.yaml', { env })).toThrow(
      expect.objectContaining({
        exitCode: 4,
        issues: [
          expect.objectContaining({ message: '${NOPE} is not set in the environment', location: { file: 's.yaml', line: 2, column: 4 } }),
          expect.objectContaining({
            message: '${ALSO_NOPE} is not set in the environment',
            location: { file: 's.yaml', line: 4, column: 5 },
          }),
        ],
      }),
    );
  });

  it('leaves text alone without an environment', () => {
    expect(parseYamlSource('a: ${X}\n', 's.yaml').data).toEqual({ a: '${X}' });
  });
});
