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
  FG_OUTPUT_UNWRITABLE: { exit: ExitCode.BadInput, description: 'the folder to write into cannot be created or written' },
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

/** The codes of {@link ERROR_CATALOG} whose exit code is `exit`. */
export type CodeWithExit<Exit extends ExitCode> = {
  [K in ErrorCode]: (typeof ERROR_CATALOG)[K]['exit'] extends Exit ? K : never;
}[ErrorCode];

/** Bad input: a config, scenario, plan, CLI argument or value (exit 4); only the catalog's exit-4 codes. */
export class InputError extends FloodgateError {
  constructor(code: CodeWithExit<typeof ExitCode.BadInput>, message: string, options: { issues?: readonly Issue[]; cause?: unknown } = {}) {
    super(code, message, options);
  }
}

/** The run cannot be trusted (exit 3); only the catalog's exit-3 codes. */
export class RunInvalidError extends FloodgateError {
  constructor(
    code: CodeWithExit<typeof ExitCode.RunInvalid>,
    message: string,
    options: { issues?: readonly Issue[]; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}

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

/** Renders a key path as `a.b[2].c` (a huge key is shortened like any value). */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : out === '' ? truncate(part) : `.${truncate(part)}`;
  }
  return out;
}

/** The longest value a message shows; a longer one is cut, with an ellipsis and its full length. */
export const MAX_VALUE_CHARS = 200;
/** The longest message line: whatever a message quotes, a line stays readable. */
const MAX_MESSAGE_CHARS = 1000;

/** Cuts a value to `max` characters: `aaaa… (1,048,576 chars)`. */
export function truncate(text: string, max = MAX_VALUE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length.toLocaleString('en-US')} chars)`;
}

const QUOTED = /"(?:[^"\\]|\\.)*"|`[^`]*`/g;

/**
 * Shortens the values a message quotes (`"..."` or a backticked name) to {@link MAX_VALUE_CHARS}
 * each, then the whole message to a line: a 1 MB value must not become a 1 MB line on stderr.
 */
export function shortenMessage(message: string): string {
  if (message.length <= MAX_VALUE_CHARS) return message;
  const quoted = message.replace(QUOTED, (q) => (q.length <= MAX_VALUE_CHARS + 2 ? q : `${q[0]}${truncate(q.slice(1, -1))}${q.at(-1)}`));
  return truncate(quoted, MAX_MESSAGE_CHARS);
}

/** Renders an issue on one line: `file:3:5 traffic.responseTime: message (hint)`. Long values are shortened. */
export function formatIssue(issue: Issue): string {
  const where = formatLocation(issue.location);
  const key = formatPath(issue.path);
  const head = [where, key && `${key}:`].filter(Boolean).join(' ');
  const hint = issue.hint ? ` (${shortenMessage(issue.hint)})` : '';
  return `${head ? `${head} ` : ''}${shortenMessage(issue.message)}${hint}`;
}
