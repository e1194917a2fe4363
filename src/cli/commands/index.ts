import type { Command } from '../io.ts';
import { runCommand } from './run.ts';

/** Every `floodgate` command, in the order `--help` lists them. One line per command. */
export const COMMANDS: readonly Command[] = [runCommand];
