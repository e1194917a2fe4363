/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Aborted on Ctrl-C (SIGINT) or SIGTERM. */
  signal: AbortSignal;
}

/** One `floodgate <name>` command. Returns its exit code; never calls `process.exit`. */
export interface Command {
  name: string;
  /** One line for `floodgate --help`. */
  summary: string;
  /** The full usage text for `floodgate <name> --help`. */
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}
