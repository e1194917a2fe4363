import { describe, expect, it } from 'vitest';
import { progressContextOf, renderProgress } from '../../src/cli/run/progress.ts';
import { parseYamlSource, Scenario, validateSource } from '../../src/config/index.ts';
import { buildRateChart } from '../../src/report/charts.ts';
import { withFaultRules } from '../../src/report/fault-rules.ts';
import { buildKeyFigures } from '../../src/report/figures.ts';
import { expandRecipients, recipientAt } from '../../src/runner/campaign.ts';
import { CampaignTrack } from '../../src/runner/delivery-tracker.ts';
import { hasRestartFault, restartFaultIssues, runFaultStep } from '../../src/runner/fault.ts';
import { type SystemUnderTest, withMocksOrigin } from '../../src/runner/system.ts';
import { buildSampleResult } from '../helpers/result-sample.ts';

const scenario = (system: string) =>
  validateSource(
    Scenario,
    parseYamlSource(
      [
        'name: f',
        system,
        'load:',
        '  - campaign: { channel: a, recipients: 5, template: t }',
        '  - fault: { restart: dispatcher, delay: 1s }',
      ].join('\n'),
      's.yaml',
    ),
  );

const system = (restart?: SystemUnderTest['restart']): SystemUnderTest => ({
  kind: 'embedded',
  targetUrl: 'http://127.0.0.1:1',
  providers: {},
  ...(restart ? { restart } : {}),
  close: async () => undefined,
});

describe('restart faults: who can be restarted', () => {
  it('the embedded dispatcher and a command floodgate starts can be; --target and a bare URL cannot', () => {
    const embedded = scenario('system: { dispatcher: embedded }');
    expect(hasRestartFault(embedded)).toBe(true);
    expect(restartFaultIssues(embedded, undefined)).toEqual([]);
    const own = scenario('system: { dispatcher: { url: "http://127.0.0.1:8090", command: [d] } }');
    expect(restartFaultIssues(own, undefined)).toEqual([]);
    const [withTarget] = restartFaultIssues(embedded, 'http://127.0.0.1:8080');
    expect(withTarget?.path).toEqual(['load', 1, 'fault', 'restart']);
    expect(withTarget?.message).toMatch(/--target names a dispatcher that is already running: give system\.dispatcher: \{ url, command/);
    // --target wins over a command: the dispatcher is then not floodgate's.
    expect(restartFaultIssues(own, 'http://127.0.0.1:8080')).toHaveLength(1);
    const [url] = restartFaultIssues(scenario('system: { dispatcher: "http://127.0.0.1:8080" }'), undefined);
    expect(url?.message).toMatch(/system\.dispatcher is the URL of a running one/);
  });
});

describe('runFaultStep', () => {
  const step = scenario('system: {}').load[1]?.fault;
  if (!step) throw new Error('no fault step');

  it('asks the system for the restart and records its timing from the run start', async () => {
    const asked: unknown[] = [];
    const stats = await runFaultStep(
      step,
      system(async (r) => {
        asked.push(r);
        return { killedAt: 11_000, readyAt: 13_500 };
      }),
      10_000,
    );
    expect(asked).toEqual([{ instance: 1, signal: 'SIGKILL', downMs: 0 }]);
    expect(stats).toEqual({
      name: 'fault-2',
      kind: 'restart',
      target: 'dispatcher',
      instance: 1,
      signal: 'SIGKILL',
      down: 0,
      killedAt: 1000,
      readyAt: 3500,
      downtime: 2500,
      error: null,
    });
  });

  it('records why when the system cannot restart or the new process never came up', async () => {
    expect(await runFaultStep(step, system(), 0)).toMatchObject({
      killedAt: null,
      readyAt: null,
      error: 'this system under test cannot be restarted',
    });
    const failed = await runFaultStep(
      step,
      system(async () => {
        throw new Error('a dispatcher instance exited (code 1) before listening');
      }),
      0,
    );
    expect(failed).toMatchObject({ readyAt: null, downtime: null, error: 'a dispatcher instance exited (code 1) before listening' });
  });
});

describe('lost recipients by name', () => {
  it('recipientAt makes the ids expandRecipients makes', () => {
    for (const pattern of ['c-{n}', 'c-{seq}', '010{n:8}', 'plain-{n}-x'])
      expect([0, 7, 41].map((i) => recipientAt(pattern, i))).toEqual([0, 7, 41].map((i) => expandRecipients(pattern, 42)[i]));
  });

  it('a track lists the first undelivered recipients among the accepted', () => {
    const t = new CampaignTrack('c', 'c-{n}', 6);
    for (const i of [0, 2, 3]) t.add(i, 1);
    expect(t.missing(6, 10)).toEqual([1, 4, 5]);
    expect(t.missing(6, 2)).toEqual([1, 4]);
    expect(t.missing(2, 10)).toEqual([1]);
  });
});

describe('a fault in the report', () => {
  const result = {
    ...buildSampleResult(),
    faults: [
      {
        name: 'restart-mid-run',
        kind: 'restart' as const,
        target: 'dispatcher' as const,
        instance: 1,
        signal: 'SIGKILL' as const,
        down: 500,
        killedAt: 4000,
        readyAt: 6700,
        downtime: 2700,
        error: null,
      },
    ],
  };

  it('is a key figure with its timing', () => {
    expect(buildKeyFigures(result)).toContainEqual({
      label: 'fault restart-mid-run',
      value: 'dispatcher instance 1 restarted: SIGKILL at 4 s, ready again at 6.7 s (down 2.7 s)',
    });
  });

  it('is a rule and a downtime band on the run-time charts', () => {
    const rate = buildRateChart(result);
    if (!rate) throw new Error('no rate chart');
    const [drawn] = withFaultRules([rate], result);
    if (!drawn) throw new Error('no chart back');
    const layers = (drawn.spec as { layer: { mark: { type: string }; data?: { values: unknown[] } }[] }).layer;
    const added = layers.slice((rate.spec as { layer: unknown[] }).layer.length);
    expect(added.map((l) => l.mark.type)).toEqual(['rect', 'rule', 'text']);
    expect(added[1]?.data?.values).toEqual([{ killed: 4, ready: 6.7, label: 'restart-mid-run: SIGKILL' }]);
    expect(drawn.caption).toMatch(/dispatcher restart/);
  });
});

describe('a fault in the progress line', () => {
  it('says the dispatcher is restarting, not that the step is sending', () => {
    const ctx = { ...progressContextOf(scenario('system: {}')), deliveryRates: new Map<string, number>() };
    const line = renderProgress(
      {
        elapsed: 2000,
        planned: null,
        steps: ['campaign-1', 'fault-2'],
        http: { intended: 0, sent: 0, completed: 0, dropped: 0, timeouts: 0, errors: 0, inFlight: 0, lastSecond: null },
        campaigns: [{ name: 'campaign-1', accepted: 5, delivered: 2, backlog: 3 }],
        providers: [],
      },
      ctx,
    );
    expect(line).toBe('[2s]  campaign-1: draining, 2/5 delivered, backlog 3  fault-2: restarting the dispatcher');
  });
});

describe('system.dispatcher.command and mocks on a port chosen at run time', () => {
  it('fills {{mocks}} in argv, cwd and env with the mocks origin', () => {
    const own = {
      url: 'http://127.0.0.1:8090',
      command: ['python3', 'd.py', '--alimtalk', '{{mocks}}/alimtalk', '--port', '8090'],
      cwd: '/srv',
      env: { FCM_URL: '{{mocks}}/fcm', KEEP: 'x' },
      ready: '/healthz',
    };
    expect(withMocksOrigin(own, 'http://127.0.0.1:40123/')).toEqual({
      ...own,
      command: ['python3', 'd.py', '--alimtalk', 'http://127.0.0.1:40123/alimtalk', '--port', '8090'],
      env: { FCM_URL: 'http://127.0.0.1:40123/fcm', KEEP: 'x' },
    });
  });
});
