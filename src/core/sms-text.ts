/**
 * How Korean SMS gateways measure a text: in bytes of EUC-KR as the carriers extend it (CP949),
 * where ASCII takes 1 byte and every other character 2. An SMS carries at most 90 bytes (45
 * Hangul syllables), an LMS 2,000 with a title of 40; a character EUC-KR cannot encode (an emoji,
 * most non-Korean scripts) makes the send fail. Shared by the SMS mock, which enforces it, and the
 * reference dispatcher, which chooses SMS or LMS by it.
 */

/** Most bytes an SMS body may carry. */
export const SMS_MAX_BYTES = 90;
/** Most bytes an LMS body may carry. */
export const LMS_MAX_BYTES = 2000;
/** Most bytes an LMS title may carry. */
export const LMS_TITLE_MAX_BYTES = 40;

let repertoire: Set<number> | undefined;

/**
 * The two-byte characters of KS X 1001 (the EUC-KR code set: 8,412 characters), read once from the
 * platform's own EUC-KR decoder rather than from a table kept here. Each two-byte code is followed
 * by a newline so an unassigned code cannot shift the ones after it.
 */
function ksx1001(): Set<number> {
  if (repertoire) return repertoire;
  const bytes: number[] = [];
  for (let lead = 0xa1; lead <= 0xfe; lead++) for (let trail = 0xa1; trail <= 0xfe; trail++) bytes.push(lead, trail, 0x0a);
  repertoire = new Set();
  for (const part of new TextDecoder('euc-kr').decode(new Uint8Array(bytes)).split('\n')) {
    const cp = part.codePointAt(0);
    if (cp !== undefined && cp !== 0xfffd && part.length === 1) repertoire.add(cp);
  }
  return repertoire;
}

/**
 * The text's length in EUC-KR (CP949) bytes, or null when a character cannot be encoded. Every
 * precomposed Hangul syllable counts (CP949 adds the 8,822 that KS X 1001 lacks, and the carriers
 * take them).
 */
export function eucKrLength(text: string): number | null {
  let bytes = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 0x80) bytes += 1;
    else if ((cp >= 0xac00 && cp <= 0xd7a3) || ksx1001().has(cp)) bytes += 2;
    else return null;
  }
  return bytes;
}

/** Which message type a text needs: SMS up to 90 bytes, LMS up to 2,000, null when it cannot be sent. */
export function smsTypeFor(text: string): 'SMS' | 'LMS' | null {
  const bytes = eucKrLength(text);
  if (bytes === null || bytes > LMS_MAX_BYTES) return null;
  return bytes <= SMS_MAX_BYTES ? 'SMS' : 'LMS';
}
