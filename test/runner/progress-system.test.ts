import { describe, expect, it } from 'vitest';
import { renderProgress } from '../../src/cli/run/progress.ts';
import { parseYamlSource, Scenario, validateSource } from '../../src/config/index.ts';
import { plannedLength } from '../../src/runner/run.ts';
import { startSystem } from '../../src/runner/system.ts';

const scenario = (text: string) => validateSource(Scenario, parseYamlSource(text, 's.yaml'));

describe('renderProgress', () => {
  it('shows stage, target vs achieved rate, p95, errors, backlog and ETA', () => {
    const line = renderProgress(
      {
        elapsed: 12_400,
        planned: 60_000,
        steps: ['phases-2'],
        http: {
          intended: 2000,
          sent: 1990,
          completed: 1980,
          dropped: 3,
          timeouts: 1,
          errors: 4,
          inFlight: 5,
          lastSecond: { intended: 180, sent: 179, p95: 23.4 },
        },
        campaigns: [{ name: 'welcome', accepted: 4200, delivered: 1200, backlog: 3000 }],
        providers: [{ name: 'alimtalk', admitted: 200, rejected: 3, limit: 200 }],
      },
      { httpEnd: 60_000, httpSteps: new Set(['phases-2']), deliveryRates: new Map() },
    );
    expect(line).toBe(
      '[12s]  phases-2: sending 179/180/s, p95 23ms  errors 4  timeouts 1  dropped 3  alimtalk 200/200/s (3 rejected)  ETA 48s',
    );
  });
});

describe('plannedLength', () => {
  it('is the latest step end, or null for a campaign without a deadline', () => {
    expect(
      plannedLength(
        scenario(
          'name: a\nload:\n  - phases: { target: GET /, delay: 5s, stages: [ { duration: 10s, rate: 1 } ] }\n  - sweep: { target: GET /, concurrency: [1, 2], duration: 3s }\n',
        ),
      ),
    ).toBe(15_000);
    expect(plannedLength(scenario('name: a\nload:\n  - campaign: { channel: c, recipients: 1, template: t }\n'))).toBeNull();
  });
});

describe('startSystem', () => {
  it('uses --target and external mocks without starting anything', async () => {
    const s = scenario(
      'name: a\nsystem: { providers: { ses: { kind: ses, url: "http://127.0.0.1:9/" } } }\nload:\n  - phases: { target: GET /, stages: [ { duration: 1s, rate: 1 } ] }\n',
    );
    const sut = await startSystem(s.system, { target: 'http://127.0.0.1:8/' });
    expect(sut).toMatchObject({
      kind: 'external',
      targetUrl: 'http://127.0.0.1:8',
      providers: { ses: { adminUrl: 'http://127.0.0.1:9', kind: 'ses', token: null, push: { kind: 'ses' } } },
    });
  });

  it('says what it cannot start when nothing embedded is wired in', async () => {
    const s = scenario('name: a\nload:\n  - phases: { target: GET /, stages: [ { duration: 1s, rate: 1 } ] }\n');
    await expect(startSystem(s.system, {})).rejects.toMatchObject({
      exitCode: 4,
      message: expect.stringMatching(/cannot start the embedded dispatcher/),
    });
  });

  it('hands the embedded part to the injected starter, keeping --target for the dispatcher', async () => {
    const s = scenario(
      'name: a\nsystem: { providers: { fcm: { kind: fcm, rps: 10 } } }\nload:\n  - phases: { target: GET /, stages: [ { duration: 1s, rate: 1 } ] }\n',
    );
    const calls: boolean[] = [];
    const sut = await startSystem(s.system, {
      target: 'http://127.0.0.1:7',
      startEmbedded: async (_system, o) => {
        calls.push(o.withDispatcher);
        return {
          kind: 'embedded',
          targetUrl: 'http://unused',
          providers: { fcm: { adminUrl: 'http://127.0.0.1:6' } },
          close: async () => undefined,
        };
      },
    });
    expect(calls).toEqual([false]);
    expect(sut).toMatchObject({
      kind: 'external',
      targetUrl: 'http://127.0.0.1:7',
      providers: { fcm: { adminUrl: 'http://127.0.0.1:6' } },
    });
  });
});
