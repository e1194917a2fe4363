/**
 * Recipient ids from a pattern, exactly as the reference dispatcher's generator makes them
 * (`dispatcher/ingest/sources.ts`): `{n}` the 0-based index, `{n:W}` zero-padded to W digits;
 * `{seq}` (1-based) for teams' own APIs. The one spelling campaigns, tracked phases and the lost
 * sample share; `createRecipientMatcher` (delivery-tracker.ts) is its inverse.
 */
export function recipientIds(pattern: string): (index: number) => string {
  const parts = pattern.split(/(\{n(?::\d+)?\}|\{seq\})/);
  return (i) => {
    let to = '';
    for (const part of parts) {
      if (part === '{n}') to += i;
      else if (part === '{seq}') to += i + 1;
      else if (part.startsWith('{n:')) to += String(i).padStart(Number(part.slice(3, -1)), '0');
      else to += part;
    }
    return to;
  };
}

/** The ids of a campaign's `count` recipients, in order. */
export function expandRecipients(pattern: string, count: number): string[] {
  const idOf = recipientIds(pattern);
  return Array.from({ length: count }, (_, i) => idOf(i));
}

/** Recipient `i`'s id. */
export function recipientAt(pattern: string, i: number): string {
  return recipientIds(pattern)(i);
}
