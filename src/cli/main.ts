import { ExitCode, FloodgateError, formatIssue, shortenMessage } from '../core/index.ts';
import { COMMANDS } from './commands/index.ts';
import type { CliIo } from './io.ts';
import { VERSION } from './version.ts';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    `floodgate ${VERSION}: load tests and capacity plans for bulk message dispatch`,
    '',
    'Usage: floodgate <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Exit codes: 0 pass, 1 thresholds failed, 2 regression, 3 run invalid, 4 bad input, 5 internal.',
    "Run `floodgate <command> --help` for a command's options.",
    '',
  ].join('\n');
}

/**
 * Runs floodgate with `argv` (without `node` and the script) and returns the exit code.
 * Every error becomes a message and a documented exit code here; a stack trace is shown
 * only for internal errors, and only with FLOODGATE_DEBUG=1.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help());
    return name === undefined ? ExitCode.BadInput : ExitCode.Pass;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return ExitCode.Pass;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`floodgate: unknown command "${name}"\n\n${help()}`);
    return ExitCode.BadInput;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage.trimEnd()}\n`);
    return ExitCode.Pass;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    return reportError(error, io);
  }
}

/** Prints an error the way users should see it and returns its exit code. */
export function reportError(error: unknown, io: CliIo): number {
  if (error instanceof FloodgateError) {
    io.stderr.write(`error: ${shortenMessage(error.message)}\n`);
    for (const issue of error.issues) io.stderr.write(`  ${formatIssue(issue)}\n`);
    if (error.exitCode === ExitCode.Internal && io.env.FLOODGATE_DEBUG) io.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(
    `internal error: ${shortenMessage(message)}\nThis is a defect in floodgate; rerun with FLOODGATE_DEBUG=1 for details and report it.\n`,
  );
  if (io.env.FLOODGATE_DEBUG && error instanceof Error) io.stderr.write(`${error.stack}\n`);
  return ExitCode.Internal;
}
