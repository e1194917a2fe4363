import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMocks } from './helpers.ts';
import { awsEnv, probeTool, requireTool, runTool, type ToolCheck } from './sdk-tools.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../fixtures/sdk/ses_boto3.py', import.meta.url));

let close: (() => Promise<void>) | undefined;
let dispose: (() => void) | undefined;
afterEach(async () => {
  await close?.();
  dispose?.();
  close = undefined;
  dispose = undefined;
});

let boto3: ToolCheck;
beforeAll(async () => {
  boto3 = await probeTool(PYTHON, ['-c', 'import boto3'], 'boto3 under /usr/bin/python3 (Debian: python3-boto3)');
});

describe('SES through boto3’s own ses (v1) and sesv2 clients, unchanged', () => {
  it('sends through both, counts both, and surfaces over-quota as ClientError Throttling / TooManyRequestsException', async ({ skip }) => {
    requireTool(boto3, skip);
    const started = await startMocks({ providers: { ses: { kind: 'ses', tps: 100, quota: 2 } } });
    close = started.close;
    const aws = awsEnv();
    dispose = aws.dispose;
    const run = await runTool(PYTHON, [SCRIPT, started.urls.ses as string], aws.env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const steps = JSON.parse(run.stdout);
    expect(steps.v1_send).toEqual({ ok: true, answer: { MessageId: expect.stringMatching(/^ses-/) } });
    expect(steps.v2_send).toEqual({ ok: true, answer: { MessageId: expect.stringMatching(/^ses-/) } });
    // SES v1 throttles with HTTP 400 and code Throttling; v2 with 429 TooManyRequestsException.
    expect(steps.v1_over).toEqual({ ok: false, code: 'Throttling', message: 'Daily message quota exceeded.', status: 400 });
    expect(steps.v2_over).toEqual({ ok: false, code: 'TooManyRequestsException', message: 'Daily message quota exceeded.', status: 429 });
    expect(steps.quota.answer).toEqual({ Max24HourSend: 2, MaxSendRate: 100, SentLast24Hours: 2 });
    expect(steps.account.answer).toMatchObject({
      SendQuota: { Max24HourSend: 2, MaxSendRate: 100, SentLast24Hours: 2 },
      SendingEnabled: true,
    });
    const provider = started.mocks.providers.ses;
    expect(provider?.stats()).toMatchObject({ admitted: 2, rejected: 2 });
    expect(provider?.journal().entries.map((e) => [e.outcome, e.recipient])).toEqual([
      ['accepted', 'a@example.com'],
      ['accepted', 'b@example.com'],
      ['over-limit', 'c@example.com'],
      ['over-limit', 'd@example.com'],
    ]);
  });
});
