import type { Command } from '../io.ts';
import { dispatcherCommand } from './dispatcher.ts';

/** Every `floodgate` command, in the order `--help` lists them. One line per command. */
export const COMMANDS: readonly Command[] = [dispatcherCommand];
