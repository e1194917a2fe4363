/**
 * Measurement, kept apart from enforcement: every admitted unit is time-stamped into
 * per-millisecond buckets, and the largest count in any sliding 1 s and 60 s window is
 * tracked exactly (at millisecond resolution) whatever algorithm enforced the limit. An
 * aligned 1 s window can admit 2x its limit across a boundary; this is what shows it.
 *
 * Why this is exact: a window's count only grows when a unit lands in it, so the maximum
 * over all windows is reached by a window that ends at the millisecond of some unit. After
 * each record we hold the counts of the 1 s and 60 s windows ending at that millisecond,
 * (t - 1000, t] and (t - 60000, t], kept as running sums over a ring of ms buckets.
 */

const RING_BITS = 16;
const RING = 1 << RING_BITS; // 65,536 ms: covers the 60 s window plus slack.
const MASK = RING - 1;
const SECOND = 1_000;
const MINUTE = 60_000;

/** One aligned second of the per-second series. */
export interface SecondCount {
  /** Start of the second, ms after the recorder's start. */
  t: number;
  admitted: number;
  rejected: number;
}

/** Records admitted and rejected units over time; pure (times are arguments). */
export class MeasurementRecorder {
  private readonly ring = new Uint32Array(RING);
  private cursor = Number.NaN;
  private sum1 = 0;
  private sum60 = 0;
  private max1 = 0;
  private max60 = 0;
  private admittedPerSecond: number[] = [];
  private rejectedPerSecond: number[] = [];
  admitted = 0;
  rejected = 0;

  constructor(private start: number) {}

  /** Forgets everything and starts the per-second series at `start`. */
  reset(start: number): void {
    this.start = start;
    this.ring.fill(0);
    this.cursor = Number.NaN;
    this.sum1 = this.sum60 = this.max1 = this.max60 = 0;
    this.admittedPerSecond = [];
    this.rejectedPerSecond = [];
    this.admitted = this.rejected = 0;
  }

  /** Moves the ring to millisecond `ms`, dropping buckets that leave each window. */
  private advance(ms: number): void {
    if (Number.isNaN(this.cursor) || ms - this.cursor >= MINUTE) {
      // Nothing recorded yet, or every bucket has left both windows.
      if (!Number.isNaN(this.cursor)) this.ring.fill(0);
      this.sum1 = this.sum60 = 0;
      this.cursor = ms;
      return;
    }
    while (this.cursor < ms) {
      this.cursor++;
      this.sum1 -= this.ring[(this.cursor - SECOND) & MASK] as number;
      this.sum60 -= this.ring[(this.cursor - MINUTE) & MASK] as number;
      // The slot about to hold `cursor` last held cursor - 65536: long out of both windows.
      this.ring[this.cursor & MASK] = 0;
    }
  }

  private bump(series: number[], now: number, units: number): void {
    const index = Math.max(0, Math.floor((now - this.start) / SECOND));
    while (series.length <= index) series.push(0);
    series[index] = (series[index] as number) + units;
  }

  /** Records `units` admitted at `now` (epoch ms). Out-of-order times count at the latest time. */
  admit(units: number, now: number): void {
    const ms = Math.floor(now);
    this.advance(Number.isNaN(this.cursor) ? ms : Math.max(ms, this.cursor));
    this.ring[this.cursor & MASK] = (this.ring[this.cursor & MASK] as number) + units;
    this.sum1 += units;
    this.sum60 += units;
    if (this.sum1 > this.max1) this.max1 = this.sum1;
    if (this.sum60 > this.max60) this.max60 = this.sum60;
    this.admitted += units;
    this.bump(this.admittedPerSecond, now, units);
  }

  /** Records `units` refused at `now`. */
  reject(units: number, now: number): void {
    this.rejected += units;
    this.bump(this.rejectedPerSecond, now, units);
  }

  /** Largest count of admitted units in any sliding 1 s window. */
  get maxPerSecondWindow(): number {
    return this.max1;
  }

  /** Largest count of admitted units in any sliding 60 s window. */
  get maxPerMinuteWindow(): number {
    return this.max60;
  }

  /** Admitted and rejected units per aligned second since the start. */
  perSecond(): SecondCount[] {
    const n = Math.max(this.admittedPerSecond.length, this.rejectedPerSecond.length);
    const out: SecondCount[] = [];
    for (let i = 0; i < n; i++) {
      out.push({ t: i * SECOND, admitted: this.admittedPerSecond[i] ?? 0, rejected: this.rejectedPerSecond[i] ?? 0 });
    }
    return out;
  }
}
