import { describe, expect, it } from 'vitest';
import { createRecorder, errorClass, type Outcome } from '../../src/runner/recorder.ts';

describe('recorder', () => {
  it('attributes arrivals to their intended second, sends and completions to when they happened', () => {
    const r = createRecorder();
    r.intended(100);
    r.sent(102, 2);
    r.intended(900);
    r.dropped(900, 'inflight');
    r.intended(950);
    r.sent(1_050, 100); // sent late, in second 1
    r.completed(1_200, 1_100, 1_098, { kind: 'response', status: 200 });
    r.completed(2_300, 1_350, 1_250, { kind: 'timeout' });
    const t = r.finish(2_500);
    expect(t.timeline.map((s) => [s.t, s.intended, s.sent, s.dropped, s.completed, s.timeouts])).toEqual([
      [0, 3, 1, 1, 0, 0],
      [1000, 0, 1, 0, 1, 0],
      [2000, 0, 0, 0, 0, 1],
    ]);
    expect(t.timeline[0]?.lagMax).toBe(2);
    expect(t.timeline[1]?.lagMax).toBeCloseTo(100, 0); // within the histogram's 0.1%
    expect(t.timeline[1]?.latencyCorrected.max).toBeCloseTo(1100, -1);
    expect(t.timeline[1]?.latencyRaw.max).toBeCloseTo(1098, -1);
    expect(t).toMatchObject({ requests: 2, completed: 1, dropped: 1, droppedBy: { inflight: 1, late: 0 }, timeouts: 1 });
    expect(t.latencyCorrected.count).toBe(2); // the timeout is kept as a censored latency
    expect(t.scheduleLag.count).toBe(2);
  });

  it('counts errors by class and reports live figures', () => {
    const r = createRecorder();
    for (let i = 0; i < 4; i++) r.sent(10, 0);
    r.completed(20, 10, 10, { kind: 'response', status: 503 });
    r.completed(20, 10, 10, { kind: 'response', status: 404 });
    r.completed(20, 10, 10, { kind: 'error', errorClass: 'reset' });
    expect(r.snapshot()).toMatchObject({ sent: 4, completed: 2, errors: 3, inFlight: 1 });
    r.tick(1_000);
    expect(r.snapshot().lastSecond).toMatchObject({ sent: 4 });
    expect(r.finish(1_000).errors).toEqual({ http_5xx: 1, http_4xx: 1, reset: 1 });
  });

  it.each<[Outcome, string | null]>([
    [{ kind: 'response', status: 204 }, null],
    [{ kind: 'response', status: 302 }, null],
    [{ kind: 'response', status: 429 }, 'http_4xx'],
    [{ kind: 'response', status: 500 }, 'http_5xx'],
    [{ kind: 'timeout' }, null],
    [{ kind: 'error', errorClass: 'connect' }, 'connect'],
  ])('errorClass(%j) = %s', (outcome, expected) => expect(errorClass(outcome)).toBe(expected));
});
