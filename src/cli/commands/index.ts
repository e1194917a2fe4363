import type { Command } from '../io.ts';
import { gateCommand } from './gate.ts';
import { reportCommand } from './report.ts';

/** Every `floodgate` command, in the order `--help` lists them. One line per command. */
export const COMMANDS: readonly Command[] = [reportCommand, gateCommand];
