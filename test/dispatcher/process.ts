import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');

/** A dispatcher running as its own process (so it can be SIGKILLed). */
export interface DispatcherProcess {
  child: ChildProcess;
  url: string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

/** Writes a YAML config for `dispatcher/main.ts`. */
export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = join(dir, 'dispatcher.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

/** How to start the process: node flags, and a built entry (default: `dispatcher/main.ts` through tsx). */
export interface SpawnOptions {
  nodeArgs?: string[];
  entry?: string;
}

/** Spawns `node [nodeArgs] --import tsx dispatcher/main.ts --config FILE` and waits for its URL line. */
export function spawnDispatcher(configFile: string, options: SpawnOptions = {}): Promise<DispatcherProcess> {
  const entry = options.entry ? [options.entry] : ['--import', 'tsx', join(ROOT, 'dispatcher', 'main.ts')];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...entry, '--config', configFile], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let err = '';
  child.stderr?.on('data', (c) => {
    err += c;
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      child.stdout?.off('data', onData);
      try {
        const { url } = JSON.parse(out.slice(0, nl)) as { url: string };
        resolve({ child, url, exited });
      } catch (error) {
        reject(error);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`dispatcher exited with ${code} before listening: ${err}`)));
  });
}

/** Kills a spawned dispatcher by its pid and waits for it to be gone. */
export async function killDispatcher(p: DispatcherProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  await p.exited;
}
