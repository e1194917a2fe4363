/**
 * Just enough of RFC 5322 for `SendRawEmail`: the header block (unfolded), the addresses in
 * To/Cc/Bcc/From, and SES's `X-SES-MESSAGE-TAGS` header. SES itself reads recipients from
 * these headers when the request names no `Destinations`.
 */

/** A raw message split into lower-cased headers (every occurrence kept) and the body. */
export interface RawMessage {
  headers: Map<string, string[]>;
  body: string;
}

/** Splits at the first empty line; folded header lines (leading space or tab) are joined. */
export function parseRawMessage(raw: string): RawMessage {
  const split = /\r?\n\r?\n/.exec(raw);
  const head = split ? raw.slice(0, split.index) : raw;
  const body = split ? raw.slice(split.index + split[0].length) : '';
  const headers = new Map<string, string[]>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const list = headers.get(name) ?? [];
    list.push(line.slice(colon + 1).trim());
    headers.set(name, list);
  }
  return { headers, body };
}

/** Splits an address-list header on commas and semicolons outside quotes, comments and `<...>`. */
function segments(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let angle = 0;
  let comment = 0;
  for (const c of value) {
    if (c === '"' && angle === 0 && comment === 0) quoted = !quoted;
    else if (!quoted && c === '<') angle++;
    else if (!quoted && c === '>') angle = Math.max(0, angle - 1);
    else if (!quoted && c === '(') comment++;
    else if (!quoted && c === ')') comment = Math.max(0, comment - 1);
    if (!quoted && angle === 0 && comment === 0 && (c === ',' || c === ';')) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

/**
 * The addresses in an address-list header: `"Kim, J." <kim@example.com>, lee@example.com`,
 * groups (`Team: a@x.com, b@x.com;`, `undisclosed-recipients:;`) included.
 */
export function headerAddresses(value: string): string[] {
  const addresses: string[] = [];
  for (const segment of segments(value)) {
    const angled = /<([^<>]*)>/.exec(segment);
    // Without <...>, a group name ends at the last colon before the address.
    const stripped = segment.replace(/\([^()]*\)/g, '');
    const bare = stripped.slice(stripped.lastIndexOf(':') + 1);
    const address = (angled ? angled[1] : bare)?.trim() ?? '';
    if (address.includes('@')) addresses.push(address);
  }
  return addresses;
}

/** Every address in the named headers, in header order. */
export function addressesOf(message: RawMessage, names: readonly string[]): string[] {
  return names.flatMap((name) => (message.headers.get(name) ?? []).flatMap(headerAddresses));
}

/** SES's `X-SES-MESSAGE-TAGS: name1=value1, name2=value2` header, as a map. */
export function headerTags(message: RawMessage): Map<string, string> {
  const tags = new Map<string, string>();
  for (const value of message.headers.get('x-ses-message-tags') ?? []) {
    for (const pair of value.split(/[,;]/)) {
      const eq = pair.indexOf('=');
      if (eq > 0) tags.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  return tags;
}
