import { ExitCode } from './exit-codes.ts';

/**
 * The catalog of coded errors. Every error floodgate raises on purpose has a code here,
 * an exit code, and a one-line description; `test/core/errors.test.ts` keeps it honest
 * (unique codes, prefix, documented exit code). Modelled on fastify's `lib/errors.js`.
 */
export const ERROR_CATALOG = {
  FG_CONFIG_INVALID: { exit: ExitCode.BadInput, description: 'a file does not match its schema' },
  FG_CONFIG_SYNTAX: { exit: ExitCode.BadInput, description: 'a YAML or JSON file cannot be parsed' },
  FG_FILE_NOT_FOUND: { exit: ExitCode.BadInput, description: 'an input file does not exist or cannot be read' },
  FG_USAGE: { exit: ExitCode.BadInput, description: 'the command line is wrong' },
  FG_UNIT_INVALID: { exit: ExitCode.BadInput, description: 'a duration, size, rate, amount or percentage cannot be parsed' },
  FG_INPUT_INVALID: { exit: ExitCode.BadInput, description: 'an input value is out of its domain' },
  FG_RESULT_INVALID: { exit: ExitCode.BadInput, description: 'a result or baseline file cannot be used' },
  FG_THRESHOLD_INVALID: { exit: ExitCode.BadInput, description: 'a threshold expression cannot be parsed' },
  FG_RUN_INVALID: { exit: ExitCode.RunInvalid, description: 'the run cannot be trusted' },
  FG_TARGET_UNREACHABLE: { exit: ExitCode.RunInvalid, description: 'the system under test cannot be reached' },
  FG_MOCKS_UNREACHABLE: {
    exit: ExitCode.RunInvalid,
    description: "the mock providers' admin API cannot be reached or refused the run, so nothing could be verified",
  },
  FG_INTERNAL: { exit: ExitCode.Internal, description: 'a defect in floodgate' },
} as const satisfies Record<string, { exit: ExitCode; description: string }>;

/** A code from {@link ERROR_CATALOG}. */
export type ErrorCode = keyof typeof ERROR_CATALOG;

/** Where in an input file a problem was found. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

/** One problem in an input: a key path, a message, an optional hint and location. */
export interface Issue {
  /** Key path inside the document, e.g. `['traffic', 'responseTime']`. */
  path: readonly (string | number)[];
  message: string;
  hint?: string;
  location?: SourceLocation;
}

/** The shared base of every error floodgate raises on purpose. */
export class FloodgateError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly issues: readonly Issue[];

  constructor(code: ErrorCode, message: string, options: { issues?: readonly Issue[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = ERROR_CATALOG[code].exit;
    this.issues = options.issues ?? [];
  }
}

/** Bad input: a config, scenario, plan, CLI argument or value (exit 4). */
export class InputError extends FloodgateError {}

/** The run cannot be trusted (exit 3). */
export class RunInvalidError extends FloodgateError {}

/** A defect in floodgate (exit 5). */
export class InternalError extends FloodgateError {
  constructor(message: string, cause?: unknown) {
    super('FG_INTERNAL', message, { cause });
  }
}

/** Renders a location as `file:line:column` (omitting what is unknown). */
export function formatLocation(loc: SourceLocation | undefined): string {
  if (!loc) return '';
  if (loc.line === undefined) return loc.file;
  return `${loc.file}:${loc.line}:${loc.column ?? 1}`;
}

/** Renders a key path as `a.b[2].c`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}

/** Renders an issue on one line: `file:3:5 traffic.responseTime: message (hint)`. */
export function formatIssue(issue: Issue): string {
  const where = formatLocation(issue.location);
  const key = formatPath(issue.path);
  const head = [where, key && `${key}:`].filter(Boolean).join(' ');
  const hint = issue.hint ? ` (${issue.hint})` : '';
  return `${head ? `${head} ` : ''}${issue.message}${hint}`;
}
