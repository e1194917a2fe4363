import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const VERSION = '2.0.21';

/**
 * Installs Artillery on demand into a temp folder (never into package.json), reusing an
 * earlier install. Returns the binary or the reason it is unavailable.
 */
export async function installArtillery(): Promise<{ bin: string } | { skipped: string }> {
  const prefix = join(tmpdir(), `floodgate-bench-artillery-${VERSION}`);
  const bin = join(prefix, 'node_modules', '.bin', 'artillery');
  if (existsSync(bin)) return { bin };
  try {
    await mkdir(prefix, { recursive: true });
    await run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', `artillery@${VERSION}`], {
      timeout: 300_000,
      maxBuffer: 16 * 1024 * 1024,
      // Artillery pulls in Playwright, whose postinstall downloads Chrome; the HTTP engine needs none.
      env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
    });
    return existsSync(bin) ? { bin } : { skipped: `npm install artillery@${VERSION} finished without a binary` };
  } catch (error) {
    return { skipped: `npm install artillery@${VERSION} failed: ${(error as Error).message.split('\n')[0]}` };
  }
}

/**
 * One Artillery run: `arrivalRate` virtual users per second for `seconds`, each sending one GET.
 * CPU (user + system, ms) comes from /usr/bin/time and includes Artillery's own start-up.
 */
export async function runArtillery(
  bin: string,
  url: string,
  rate: number,
  seconds: number,
): Promise<{ cpuMs: number | null; error?: string }> {
  const dir = join(tmpdir(), `floodgate-bench-artillery-${VERSION}`);
  const config = join(dir, `load-${rate}.yml`);
  await writeFile(
    config,
    [
      'config:',
      `  target: "${url}"`,
      `  phases: [ { duration: ${seconds}, arrivalRate: ${rate} } ]`,
      'scenarios:',
      '  - flow: [ { get: { url: "/" } } ]',
      '',
    ].join('\n'),
  );
  try {
    const { stderr } = await run('/usr/bin/time', ['-f', 'FGCPU %U %S', bin, 'run', '--quiet', config], {
      timeout: (seconds + 120) * 1000,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: '1' },
    });
    const m = /FGCPU ([\d.]+) ([\d.]+)/.exec(stderr);
    return { cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : null };
  } catch (error) {
    return { cpuMs: null, error: (error as Error).message.split('\n')[0] ?? 'failed' };
  }
}
