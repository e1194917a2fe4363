import { type ParseArgsConfig, parseArgs } from 'node:util';
import { InputError } from '../core/index.ts';

/**
 * Parses a command's arguments with Node's own `util.parseArgs` (strict: unknown flags are
 * errors), turning its TypeError into an {@link InputError} (exit 4) that names the command.
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InputError('FG_USAGE', `floodgate ${command}: ${(error as Error).message} (see floodgate ${command} --help)`);
  }
}

/** Reads a numeric flag, with a usage error that names it. */
export function numberFlag(command: string, name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InputError('FG_USAGE', `floodgate ${command}: --${name} expects a number, got "${value}"`);
  return n;
}
