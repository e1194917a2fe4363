import { describe, expect, it } from 'vitest';
import { formatDuration, parseCount, parseDuration, parseMoney, parsePercent, parseRate, parseSize } from '../../src/core/index.ts';

describe('units', () => {
  it.each([
    ['200ms', 200],
    ['50s', 50_000],
    ['30m', 1_800_000],
    ['1h30m', 5_400_000],
    ['1h 30m 15s', 5_415_000],
    ['1.5s', 1500],
    ['2d', 172_800_000],
    [0, 0],
  ])('duration %s -> %d ms', (input, ms) => expect(parseDuration(input)).toBe(ms));

  it.each(['30', 30, '1x', '', 'm5', '5m garbage', -3])('duration %s is refused', (input) => {
    expect(() => parseDuration(input as string)).toThrow(/not a duration; write e.g. 200ms/);
  });

  it.each([
    ['256MB', 256e6],
    ['256MiB', 256 * 1024 ** 2],
    ['1.5 GiB', 1.5 * 1024 ** 3],
    ['512kb', 512_000],
    [1024, 1024],
  ])('size %s -> %d bytes', (input, bytes) => expect(parseSize(input)).toBe(bytes));

  it.each([
    ['200/s', 200],
    ['600000/min', 10_000],
    ['50,000/minute', 50_000 / 60],
    ['375 tps', 375],
    ['1/ms', 1000],
    [90, 90],
  ])('rate %s -> %d/s', (input, perSecond) => expect(parseRate(input)).toBeCloseTo(perSecond, 9));

  it.each(['fast', '200/fortnight', -5])('rate %s is refused', (input) => expect(() => parseRate(input)).toThrow(/not a rate/));

  it.each([
    ['420,000', 420_000],
    ['420_000', 420_000],
    ['1.5M', 1_500_000],
    ['30k', 30_000],
  ])('count %s', (input, n) => expect(parseCount(input)).toBe(n));

  it.each([
    ['$63.67', 63.67],
    ['$1,200', 1200],
    ['812', 812],
    [48, 48],
  ])('money %s', (input, n) => expect(parseMoney(input)).toBe(n));

  it.each([
    ['25%', 0.25],
    ['37.5 %', 0.375],
    [0.2, 0.2],
  ])('percent %s', (input, f) => expect(parsePercent(input)).toBe(f));

  it('refuses a bare number above 1 as a percentage (ambiguous)', () => expect(() => parsePercent(25)).toThrow(/percentage/));

  it.each([
    [850, '850ms'],
    [12_500, '12.5s'],
    [2_100_000, '35m'],
    [4_666_667, '1h 17m 47s'],
    [11_160_000, '3h 6m'],
  ])('formats %d ms as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
