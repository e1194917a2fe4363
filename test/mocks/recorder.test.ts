import { describe, expect, it } from 'vitest';
import { acquire, FixedWindowLimiter, MeasurementRecorder } from '../../mock-providers/index.ts';

describe('measurement recorder: sliding-window maxima, exact at millisecond resolution', () => {
  it.each([
    // name, [time ms, units][], max in 1 s, max in 60 s
    ['steady 100/s', Array.from({ length: 1000 }, (_, i) => [i * 10, 1] as const), 100, 1000],
    [
      'two bursts 1 ms apart across a second boundary',
      [
        [999, 50],
        [1000, 50],
      ] as const,
      100,
      100,
    ],
    [
      'bursts exactly 1 s apart do not share a window',
      [
        [0, 50],
        [1000, 50],
      ] as const,
      50,
      100,
    ],
    [
      'bursts 999 ms apart do',
      [
        [0, 50],
        [999, 50],
      ] as const,
      100,
      100,
    ],
    [
      'a gap longer than the ring',
      [
        [0, 10],
        [200_000, 7],
      ] as const,
      10,
      10,
    ],
    [
      '60 s window drops units after a minute',
      [
        [0, 10],
        [59_999, 5],
        [60_000, 1],
      ] as const,
      10,
      15,
    ],
  ])('%s', (_name, events, max1, max60) => {
    const recorder = new MeasurementRecorder(0);
    for (const [t, n] of events) recorder.admit(n, t);
    expect(recorder.maxPerSecondWindow).toBe(max1);
    expect(recorder.maxPerMinuteWindow).toBe(max60);
  });

  it('an adversarial sender is admitted by an aligned 1 s window yet measured near 2x the limit', () => {
    const limit = 200;
    const limiter = new FixedWindowLimiter(limit, 1000, 'epoch');
    const recorder = new MeasurementRecorder(0);
    let admitted = 0;
    // 200 in the last 100 ms of second 0, 200 in the first 100 ms of second 1.
    for (let i = 0; i < 2 * limit; i++) {
      const t = 900 + i / 2;
      if (acquire(limiter, 1, t).admitted) {
        admitted++;
        recorder.admit(1, t);
      } else recorder.reject(1, t);
    }
    expect(admitted).toBe(2 * limit);
    expect(recorder.maxPerSecondWindow).toBe(2 * limit);
    // The aligned per-second series looks innocent: never above the limit.
    expect(recorder.perSecond()).toEqual([
      { t: 0, admitted: limit, rejected: 0 },
      { t: 1000, admitted: limit, rejected: 0 },
    ]);
  });

  it('keeps admitted and rejected per aligned second from its start, and resets', () => {
    const recorder = new MeasurementRecorder(10_000);
    recorder.admit(3, 10_500);
    recorder.reject(2, 12_100);
    expect(recorder.perSecond()).toEqual([
      { t: 0, admitted: 3, rejected: 0 },
      { t: 1000, admitted: 0, rejected: 0 },
      { t: 2000, admitted: 0, rejected: 2 },
    ]);
    expect([recorder.admitted, recorder.rejected]).toEqual([3, 2]);
    recorder.reset(20_000);
    expect([recorder.admitted, recorder.maxPerSecondWindow, recorder.perSecond().length]).toEqual([0, 0, 0]);
  });
});
