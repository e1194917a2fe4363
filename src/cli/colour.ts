/**
 * Colour for terminal output. On when the stream is a TTY, off when piped; `NO_COLOR` (any
 * non-empty value, https://no-color.org) turns it off, `FORCE_COLOR` (non-empty, not `0`) turns
 * it on even when piped (CI logs that render ANSI). NO_COLOR wins over a TTY, FORCE_COLOR over both.
 */
export function colourEnabled(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}

const CODES = { red: 31, green: 32, yellow: 33, magenta: 35, dim: 2, bold: 1 } as const;

/** A painter: wraps text in an ANSI colour when enabled, returns it unchanged otherwise. */
export type Paint = (colour: keyof typeof CODES, text: string) => string;

/** A {@link Paint} for a stream and environment. */
export function painter(enabled: boolean): Paint {
  return (colour, text) => (enabled ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text);
}

const HEADLINE: [RegExp, keyof typeof CODES][] = [
  [/^PASS\b/, 'green'],
  [/^(FAIL|REGRESSION)\b/, 'red'],
  [/^INVALID\b/, 'magenta'],
];

/**
 * Colours the gate's verdict text (headline by status, `ok`/`FAIL`/`WARN`/`skip` marks) without
 * changing a character of it, so piped output and tests read the same text.
 */
export function colourVerdictText(text: string, paint: Paint, degraded = false): string {
  return text
    .split('\n')
    .map((line, i) => {
      if (i === 0) {
        const hit = HEADLINE.find(([re]) => re.test(line));
        const colour = degraded && hit?.[1] === 'green' ? 'yellow' : hit?.[1];
        return colour ? paint('bold', paint(colour, line)) : line;
      }
      const mark = /^(\s+)(ok {2}|FAIL|WARN|skip)( .*)$/.exec(line);
      if (!mark) return line;
      const colour = mark[2] === 'FAIL' ? 'red' : mark[2] === 'WARN' ? 'yellow' : mark[2] === 'skip' ? 'dim' : 'green';
      return `${mark[1]}${paint(colour, mark[2] as string)}${mark[3]}`;
    })
    .join('\n');
}
