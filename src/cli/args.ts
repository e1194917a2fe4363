import { type ParseArgsConfig, parseArgs } from 'node:util';
import { suggest } from '../config/suggest.ts';
import { InputError } from '../core/index.ts';

/**
 * Parses a command's arguments with Node's own `util.parseArgs` (strict: unknown flags are
 * errors), turning its TypeError into an {@link InputError} (exit 4) that names the command.
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InputError(
      'FG_USAGE',
      `floodgate ${command}: ${describeArgsError(error, Object.keys(options))} (see floodgate ${command} --help)`,
    );
  }
}

/** Node's parseArgs message in one line of floodgate's words, with a "did you mean" for a misspelt flag. */
function describeArgsError(error: unknown, flags: readonly string[]): string {
  const { code, message } = error as { code?: string; message: string };
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
    const near = suggest(option.replace(/^-+/, ''), [...flags, 'help']);
    return `unknown option ${option}${near ? ` (did you mean --${near}?)` : ''}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option && /ambiguous/.test(message)) {
    return `${option} is followed by a value that starts with "-"; write it as ${option}=<value>`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option && /argument missing/.test(message)) {
    return `${option} needs a value`;
  }
  return message.split('\n')[0] as string;
}

/** Reads a numeric flag, with a usage error that names it. */
export function numberFlag(command: string, name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InputError('FG_USAGE', `floodgate ${command}: --${name} expects a number, got "${value}"`);
  return n;
}
