import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMocks } from './helpers.ts';
import { awsEnv, probeTool, requireTool, runTool, type ToolCheck } from './sdk-tools.ts';

const AWS = '/usr/bin/aws';

let close: (() => Promise<void>) | undefined;
let dispose: (() => void) | undefined;
afterEach(async () => {
  await close?.();
  dispose?.();
  close = undefined;
  dispose = undefined;
});

let cli: ToolCheck;
beforeAll(async () => {
  cli = await probeTool(AWS, ['--version'], 'the AWS CLI at /usr/bin/aws (Debian: awscli)');
});

describe('SES through the AWS CLI (aws ses / aws sesv2 with --endpoint-url), unchanged', () => {
  it('send-email succeeds and is counted; over the rate it exits non-zero with Throttling; get-send-quota and get-account agree', async ({
    skip,
  }) => {
    requireTool(cli, skip);
    const started = await startMocks({ providers: { ses: { kind: 'ses', tps: '1/h', quota: 1000 } } });
    close = started.close;
    const aws = awsEnv();
    dispose = aws.dispose;
    const endpoint = ['--endpoint-url', started.urls.ses as string, '--output', 'json'];
    const send = (to: string) =>
      runTool(
        AWS,
        ['ses', 'send-email', '--from', 'news@example.com', '--to', to, '--subject', 'Morning mail', '--text', 'Good morning', ...endpoint],
        aws.env,
      );

    const ok = await send('a@example.com');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ MessageId: expect.stringMatching(/^ses-/) });

    const over = await send('b@example.com');
    expect(over.code).not.toBe(0);
    expect(over.code).not.toBeNull(); // exited by itself (254 on CLI v2), not killed by the timeout
    // botocore adds "(reached max retries: N)" between the operation and the message.
    expect(over.stderr).toMatch(/An error occurred \(Throttling\) when calling the SendEmail operation.*: Maximum sending rate exceeded\./);

    const quota = await runTool(AWS, ['ses', 'get-send-quota', ...endpoint], aws.env);
    expect(quota.code).toBe(0);
    expect(JSON.parse(quota.stdout)).toEqual({ Max24HourSend: 1000, MaxSendRate: 1 / 3600, SentLast24Hours: 1 });

    const account = await runTool(AWS, ['sesv2', 'get-account', ...endpoint], aws.env);
    expect(account.code).toBe(0);
    expect(JSON.parse(account.stdout)).toMatchObject({ SendQuota: { Max24HourSend: 1000, SentLast24Hours: 1 }, SendingEnabled: true });

    expect(started.mocks.providers.ses?.stats()).toMatchObject({ admitted: 1, rejected: 1 });
  }, 120_000); // four AWS CLI starts, several seconds each on a loaded machine
});
