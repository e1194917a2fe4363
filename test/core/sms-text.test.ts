import { describe, expect, it } from 'vitest';
import { eucKrLength, smsTypeFor } from '../../src/core/index.ts';

describe('SMS text length in EUC-KR bytes', () => {
  it('counts ASCII as 1 byte and Hangul as 2, KS X 1001 symbols too', () => {
    expect(eucKrLength('floodgate')).toBe(9);
    expect(eucKrLength('안녕하세요')).toBe(10);
    expect(eucKrLength('가격: 1,000원 ※')).toBe(16);
  });

  it('takes the Hangul syllables KS X 1001 lacks as the carriers do (CP949): 똠 is 2 bytes', () => {
    expect(eucKrLength('똠')).toBe(2);
  });

  it('refuses what EUC-KR cannot encode (an emoji)', () => {
    expect(eucKrLength('안녕 😀')).toBeNull();
    expect(smsTypeFor('안녕 😀')).toBeNull();
  });

  it('45 Hangul syllables are an SMS (90 bytes), 46 an LMS, over 2,000 bytes nothing', () => {
    expect(smsTypeFor('가'.repeat(45))).toBe('SMS');
    expect(smsTypeFor('가'.repeat(46))).toBe('LMS');
    expect(smsTypeFor('a'.repeat(2000))).toBe('LMS');
    expect(smsTypeFor('a'.repeat(2001))).toBeNull();
  });
});
