import { describe, expect, it } from 'vitest';
import { parseYamlSource, Scenario, validateSource } from '../../src/config/index.ts';
import type { IsolationStats } from '../../src/core/index.ts';
import { buildChecks } from '../../src/gate/index.ts';
import { createIsolationRecorder } from '../../src/runner/isolation.ts';
import { createRecorder } from '../../src/runner/recorder.ts';
import { latency, makeResult } from '../helpers/result-fixture.ts';

const stats = (alone: number | null, during: number | null, ratio: number | null = 2): IsolationStats => ({
  phase: 'otp',
  budget: { p95: 200 },
  ratio,
  alone: alone === null ? latency({ count: 0, p95: null }) : latency({ count: 100, p95: alone }),
  duringCampaign: during === null ? latency({ count: 0, p95: null }) : latency({ count: 100, p95: during }),
});
const isolation = (s: IsolationStats) => buildChecks(makeResult({ isolation: [s] })).find((c) => c.id === 'isolation.otp');

describe('isolation.<phase> check', () => {
  it('passes when the campaign leaves the phase within its budget and ratio', () => {
    const c = isolation(stats(20, 30));
    expect(c?.status).toBe('pass');
    expect(c?.message).toBe('otp: p95 20ms alone, 30ms while a campaign drained (1.5x), within its budget and 2x');
  });
  it('fails past the budget, naming it', () => {
    const c = isolation(stats(150, 900, null));
    expect(c?.status).toBe('fail');
    expect(c?.message).toContain('p95 900ms during the campaign > 200ms');
  });
  it('fails past the ratio even within the budget', () => {
    expect(isolation(stats(10, 50))?.message).toContain('p95 5x its 10ms alone > 2x');
  });
  it('never holds over nothing: no overlap with a campaign, or no quiet window to compare with', () => {
    expect(isolation(stats(20, null))?.message).toContain('no request completed while a campaign drained');
    expect(isolation(stats(null, 30))?.message).toContain('no request completed with no campaign running');
    expect(isolation(stats(null, 30, null))?.status).toBe('pass');
  });
});

describe('the isolation recorder', () => {
  it('puts each request where it was sent: alone or while a campaign ran, and still feeds the run', () => {
    let active = false;
    const inner = createRecorder();
    const iso = createIsolationRecorder(inner, () => active);
    const send = (intended: number, latencyMs: number) => {
      iso.recorder.sent(intended + 1, 1);
      iso.recorder.completed(intended + latencyMs, latencyMs, latencyMs - 1, { kind: 'response', status: 202 });
    };
    for (let i = 0; i < 50; i++) send(i * 10, 10);
    active = true;
    for (let i = 50; i < 100; i++) send(i * 10, 80);
    const s = iso.finish('otp', { budget: { p95: 200 }, ratio: 2 });
    expect(s.alone.count).toBe(50);
    expect(s.duringCampaign.count).toBe(50);
    expect(s.alone.p95).toBeCloseTo(10, 0);
    expect(s.duringCampaign.p95).toBeCloseTo(80, 0);
    expect(inner.finish(2000).requests).toBe(100);
  });
});

describe('transactional phases in a scenario', () => {
  const text = (transactional: string) => `
name: otp
load:
  - phases: { name: otp, target: POST /v1/messages, transactional: ${transactional}, stages: [ { duration: 1s, rate: 5 } ] }
`;
  it('parse with a budget and a ratio', () => {
    const s = validateSource(Scenario, parseYamlSource(text('{ budget: { p95: 200ms }, ratio: 2 }'), 's.yaml'));
    expect(s.load[0]?.phases?.transactional).toEqual({ budget: { p95: 200 }, ratio: 2 });
  });
  it('refuse a budget without a latency bound, or a ratio of 1 or less', () => {
    expect(() => validateSource(Scenario, parseYamlSource(text('{ budget: {} }'), 's.yaml'))).toThrow();
    expect(() => validateSource(Scenario, parseYamlSource(text('{ budget: { p95: 1s }, ratio: 1 }'), 's.yaml'))).toThrow();
  });
});

describe('the report', () => {
  it('shows the phase alone and during the campaign among the key figures', async () => {
    const { buildKeyFigures } = await import('../../src/report/figures.ts');
    const f = buildKeyFigures(makeResult({ isolation: [stats(20, 30)] })).find((x) => x.label === 'transactional otp');
    expect(f?.value).toMatch(/^alone p50 \/ p95 \/ p99 .* \/ 20 ms \/ .*while a campaign drained .* \/ 30 ms \/ /);
  });
});
