import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, ExitCode, FloodgateError, formatIssue, InputError } from '../../src/core/index.ts';

describe('error catalog', () => {
  it('uses FG_ codes that map to documented exit codes', () => {
    const documented = new Set<number>(Object.values(ExitCode));
    for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
      expect(code).toMatch(/^FG_[A-Z_]+$/);
      expect(documented.has(entry.exit)).toBe(true);
      expect(entry.description.length).toBeGreaterThan(5);
    }
  });

  it('exit codes are the public contract', () => {
    expect(ExitCode).toEqual({ Pass: 0, ThresholdsFailed: 1, Regression: 2, RunInvalid: 3, BadInput: 4, Internal: 5 });
  });

  it('carries the code, exit code and issues', () => {
    const error = new InputError('FG_CONFIG_INVALID', 'plan.yaml: 1 problem', {
      issues: [
        {
          path: ['traffic', 'responseTime'],
          message: 'unknown key',
          hint: 'did you mean `responseTime`?',
          location: { file: 'plan.yaml', line: 3, column: 5 },
        },
      ],
    });
    expect(error).toBeInstanceOf(FloodgateError);
    expect(error.exitCode).toBe(4);
    expect(error.name).toBe('InputError');
    expect(formatIssue(error.issues[0]!)).toBe('plan.yaml:3:5 traffic.responseTime: unknown key (did you mean `responseTime`?)');
  });
});
