import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a child process did: exit code (null when killed), and its output. */
export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program without a shell and without throwing; bounded by `timeoutMs` (killed after).
 * Asynchronous on purpose: the mock answering it runs in this same event loop.
 */
export function runTool(file: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Whether a tool the contract tests need is here; `reason` says what is missing. */
export interface ToolCheck {
  ok: boolean;
  reason: string;
}

/** Probes a tool by running it (e.g. `python3 -c "import boto3"`); ok when it exits 0. */
export async function probeTool(file: string, args: readonly string[], what: string): Promise<ToolCheck> {
  const run = await runTool(file, args, { PATH: '/usr/bin:/bin' }, 30_000);
  if (run.code === 0) return { ok: true, reason: '' };
  const detail = (run.stderr.trim().split('\n').pop() ?? '').slice(0, 200);
  return { ok: false, reason: `${what} is not available (${file} ${args.join(' ')}: ${detail || `exit ${run.code}`})` };
}

/**
 * Skips the test with the reason when a tool is missing, except in CI (`CI=true`), where a
 * missing tool must fail the run rather than pass it silently.
 */
export function requireTool(check: ToolCheck, skip: (note?: string) => never): void {
  if (check.ok) return;
  if (process.env.CI === 'true') throw new Error(`${check.reason}; CI=true, so this contract test fails instead of skipping`);
  skip(check.reason);
}

/**
 * A clean environment for the AWS CLI and boto3: dummy credentials, a region, no pager, one
 * attempt (they retry Throttling by themselves otherwise), no config files and no instance
 * metadata look-ups (nothing but loopback traffic), and a scratch HOME. Call `dispose()` after.
 */
export function awsEnv(): { env: NodeJS.ProcessEnv; dispose: () => void } {
  const home = mkdtempSync(join(tmpdir(), 'fg-aws-'));
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/bin:/bin',
    HOME: home,
    AWS_ACCESS_KEY_ID: 'AKIDFLOODGATE',
    AWS_SECRET_ACCESS_KEY: 'floodgate-secret',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
    AWS_RETRY_MODE: 'standard',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
  };
  return { env, dispose: () => rmSync(home, { recursive: true, force: true }) };
}
