import type { Command } from '../io.ts';
import { capacityCommand } from './capacity.ts';
import { dispatcherCommand } from './dispatcher.ts';
import { exportCommand } from './export.ts';
import { fitCommand } from './fit.ts';
import { gateCommand } from './gate.ts';
import { importCommand } from './import.ts';
import { mockCommand } from './mock.ts';
import { planCommand } from './plan.ts';
import { projectCommand } from './project.ts';
import { reportCommand } from './report.ts';
import { runCommand } from './run.ts';

/** Every `floodgate` command, in the order `--help` lists them. One line per command. */
export const COMMANDS: readonly Command[] = [
  planCommand,
  fitCommand,
  importCommand,
  mockCommand,
  dispatcherCommand,
  runCommand,
  capacityCommand,
  projectCommand,
  reportCommand,
  gateCommand,
  exportCommand,
];
