import { describe, expect, it } from 'vitest';
import { addressesOf, headerAddresses, headerTags, parseRawMessage } from '../../mock-providers/providers/ses-raw.ts';

describe('SendRawEmail header parsing', () => {
  it('reads display names with commas, comments, groups and empty groups', () => {
    expect(headerAddresses('"Kim, J." <kim@example.com>, lee@example.com (Lee)')).toEqual(['kim@example.com', 'lee@example.com']);
    expect(headerAddresses('Team: a@example.com, "B" <b@example.com>;, c@example.com')).toEqual([
      'a@example.com',
      'b@example.com',
      'c@example.com',
    ]);
    expect(headerAddresses('undisclosed-recipients:;')).toEqual([]);
  });

  it('unfolds continued header lines, keeps repeated headers, and stops at the first empty line', () => {
    const message = parseRawMessage(
      'To: a@example.com,\r\n b@example.com\r\nCc: c@example.com\r\nCc: d@example.com\r\n\r\nTo: body@example.com\r\n',
    );
    expect(addressesOf(message, ['to', 'cc', 'bcc'])).toEqual(['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com']);
    expect(message.body).toBe('To: body@example.com\r\n');
  });

  it('reads SES’s X-SES-MESSAGE-TAGS header', () => {
    const message = parseRawMessage('X-SES-MESSAGE-TAGS: campaign=spring, client_key=k-9\n\nhi');
    expect(headerTags(message).get('client_key')).toBe('k-9');
  });
});
