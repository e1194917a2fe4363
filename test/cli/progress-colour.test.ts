import { describe, expect, it } from 'vitest';
import { colourEnabled, colourVerdictText, painter } from '../../src/cli/colour.ts';
import { createProgressWriter, estimateRemaining, type ProgressContext, renderProgress } from '../../src/cli/run/progress.ts';
import type { RunProgress } from '../../src/runner/index.ts';

const http = (lastSecond: RunProgress['http']['lastSecond'], sent = 0): RunProgress['http'] => ({
  intended: sent,
  sent,
  completed: sent,
  dropped: 0,
  timeouts: 0,
  errors: 0,
  inFlight: 0,
  lastSecond,
});

describe('progress', () => {
  const campaignOnly: RunProgress = {
    elapsed: 6_000,
    planned: 20_000, // the campaign's deadline
    steps: ['welcome'],
    http: http({ intended: 0, sent: 0, p95: null }),
    campaigns: [{ name: 'welcome', accepted: 500, delivered: 300, backlog: 200 }],
    providers: [{ name: 'alimtalk', admitted: 100, rejected: 0, limit: 200 }],
  };
  const ctx: ProgressContext = { httpEnd: null, httpSteps: new Set(), deliveryRates: new Map([['welcome', 100]]) };

  it('shows a campaign-only run draining, without an HTTP rate or p95, and its ETA to the end', () => {
    const line = renderProgress(campaignOnly, ctx);
    expect(line).toBe('[6s]  welcome: draining, 300/500 delivered, backlog 200 at 100/s  alimtalk 100/200/s  ETA 2s');
    expect(line).not.toMatch(/rate 0\/0|p95 -/);
  });

  it('counts the ETA to the later of the last HTTP phase and the campaign backlog, not to the deadline', () => {
    const both: RunProgress = {
      ...campaignOnly,
      steps: ['welcome', 'messages'],
      http: http({ intended: 30, sent: 30, p95: 12.4 }, 120),
    };
    const withPhase = { ...ctx, httpEnd: 10_000, httpSteps: new Set(['messages']) };
    expect(estimateRemaining(both, withPhase)).toBe(4_000);
    expect(renderProgress(both, withPhase)).toBe(
      '[6s]  welcome: draining, 300/500 delivered, backlog 200 at 100/s  messages: sending 30/30/s, p95 12ms  errors 0  timeouts 0  alimtalk 100/200/s  ETA 4s',
    );
  });

  it('bounds the ETA by the deadline only while no delivery rate is known, and says so', () => {
    const unknown = { ...ctx, deliveryRates: new Map() };
    expect(estimateRemaining(campaignOnly, unknown)).toBeNull();
    expect(renderProgress(campaignOnly, unknown)).toMatch(/ETA ≤ 14s \(deadline\)$/);
  });

  it('says when it waits for the last deliveries', () => {
    expect(renderProgress({ ...campaignOnly, steps: [] }, ctx)).toBe('[6s]  settling: waiting for the last deliveries  alimtalk 100/200/s');
  });

  it('measures each campaign delivery rate from successive updates', () => {
    let written = '';
    const write = (s: string) => {
      written += s;
      return true;
    };
    const stream = { isTTY: false, write } as unknown as NodeJS.WritableStream;
    const writer = createProgressWriter(stream, { every: 0 });
    writer.update({ ...campaignOnly, elapsed: 1000, campaigns: [{ name: 'welcome', accepted: 500, delivered: 0, backlog: 500 }] });
    writer.update({ ...campaignOnly, elapsed: 3000, campaigns: [{ name: 'welcome', accepted: 500, delivered: 250, backlog: 250 }] });
    expect(written.trim().split('\n').pop()).toContain('backlog 250 at 125/s  alimtalk 100/200/s  ETA 2s');
  });

  it('draws the line on a terminal that reports 0 columns (no size), not an empty one', () => {
    let written = '';
    const write = (s: string) => {
      written += s;
      return true;
    };
    const stream = { isTTY: true, columns: 0, write } as unknown as NodeJS.WritableStream;
    createProgressWriter(stream, { env: { NO_COLOR: '1' } }).update({
      ...campaignOnly,
      elapsed: 1000,
      campaigns: [{ name: 'welcome', accepted: 500, delivered: 0, backlog: 500 }],
    });
    expect(written).toContain('welcome: draining, 0/500 delivered');
  });
});

describe('colour', () => {
  it('is on for a TTY, off when piped, off with NO_COLOR, on with FORCE_COLOR', () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({}, {})).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(true);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(true);
  });

  it('colours the verdict text without changing its characters, amber for a DEGRADED pass', () => {
    const text = 'PASS: 1 threshold held (x, 2 s)\n\nChecks:\n  ok   a: fine\n  WARN run.validity: run DEGRADED: lag\n  FAIL b: bad\n';
    const coloured = colourVerdictText(text, painter(true), true);
    expect(coloured.replace(/\x1b\[\d+m/g, '')).toBe(text);
    expect(coloured).toContain('\x1b[33mPASS: ');
    expect(coloured).toContain('  \x1b[33mWARN\x1b[0m run.validity');
    expect(coloured).toContain('  \x1b[31mFAIL\x1b[0m b: bad');
    expect(colourVerdictText(text, painter(false))).toBe(text);
  });
});
