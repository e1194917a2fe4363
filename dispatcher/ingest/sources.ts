import type { IngestRow } from '../store/outbox.ts';
import { IngestError } from './ingest-error.ts';
import { parseDueTime } from './schedule.ts';

export { IngestError };

/**
 * Splits a byte stream into lines without holding more than one line (at most `maxLineBytes`)
 * beyond the current chunk: a 10 MB body with no newline fails fast instead of buffering.
 */
export async function* splitLines(stream: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
      if (nl - start > maxLineBytes) throw new IngestError(`a line is longer than ${maxLineBytes} bytes`);
      yield text.slice(start, text[nl - 1] === '\r' ? nl - 1 : nl);
      start = nl + 1;
    }
    rest = text.slice(start);
    if (rest.length > maxLineBytes) throw new IngestError(`a line is longer than ${maxLineBytes} bytes`);
  }
  if (rest.length > 0) yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
}

/** Checks one recipient address: a non-empty string of at most 320 characters (the longest email). */
export function toRecipient(value: unknown, where: string): IngestRow {
  if (typeof value === 'string') {
    if (value.length === 0 || value.length > 320) throw new IngestError(`${where}: a recipient must be 1-320 characters`);
    return { to: value };
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const { to, params, dueAt, ...extra } = value as { to?: unknown; params?: unknown; dueAt?: unknown };
    const unknown = Object.keys(extra);
    if (unknown.length > 0)
      throw new IngestError(`${where}: unknown field \`${unknown[0]}\` (a recipient has \`to\`, \`params\` and \`dueAt\`)`);
    const row: IngestRow = toRecipient(to, `${where}.to`);
    if (dueAt !== undefined) row.dueAt = parseDueTime(dueAt, `${where}.dueAt`);
    if (params === undefined) return row;
    if (!params || typeof params !== 'object' || Array.isArray(params) || !Object.values(params).every((v) => typeof v === 'string')) {
      throw new IngestError(`${where}.params: must be an object of strings`);
    }
    row.params = params as Record<string, string>;
    return row;
  }
  throw new IngestError(`${where}: a recipient is a string or {"to", "params", "dueAt"}`);
}

/** NDJSON: one recipient per line (a JSON string or object); blank lines are skipped. */
export async function* parseNdjson(lines: AsyncIterable<string>): AsyncGenerator<IngestRow> {
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new IngestError(`line ${n}: not valid JSON`);
    }
    yield toRecipient(value, `line ${n}`);
  }
}

/** Splits one CSV record (RFC 4180 quoting, no newlines inside fields). */
export function splitCsvRecord(line: string, where: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new IngestError(`${where}: unterminated quoted field`);
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      if (i < line.length && line[i] !== ',') throw new IngestError(`${where}: text after a closing quote`);
    } else {
      const comma = line.indexOf(',', i);
      fields.push(line.slice(i, comma < 0 ? line.length : comma));
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return fields;
    i++;
  }
}

/**
 * CSV with a header row: the `to` column is the recipient, an optional `due_at` column its due
 * time (RFC 3339 with offset, or epoch ms), every other column a parameter.
 */
export async function* parseCsv(lines: AsyncIterable<string>): AsyncGenerator<IngestRow> {
  let header: string[] | undefined;
  let toIndex = -1;
  let dueIndex = -1;
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    const fields = splitCsvRecord(line, `line ${n}`);
    if (!header) {
      header = fields.map((f) => f.trim());
      toIndex = header.indexOf('to');
      if (toIndex < 0) throw new IngestError('line 1: the CSV header needs a `to` column');
      dueIndex = header.indexOf('due_at');
      continue;
    }
    if (fields.length !== header.length) throw new IngestError(`line ${n}: ${fields.length} fields, the header has ${header.length}`);
    const params: Record<string, string> = {};
    header.forEach((name, i) => {
      if (i !== toIndex && i !== dueIndex) params[name] = fields[i] as string;
    });
    const row = toRecipient(fields[toIndex], `line ${n}`);
    if (dueIndex >= 0) {
      const text = (fields[dueIndex] as string).trim();
      row.dueAt = parseDueTime(/^\d+$/.test(text) ? Number(text) : text, `line ${n}, due_at`);
    }
    if (header.length > 1 + (dueIndex >= 0 ? 1 : 0)) row.params = params;
    yield row;
  }
}

/**
 * Test campaigns: `count` recipients from a pattern where `{n}` is the 0-based index and
 * `{n:8}` the index zero-padded to 8 digits (e.g. `010{n:8}` gives 01000000000, 01000000001, ...).
 */
export function* generateRecipients(count: number, pattern: string): Generator<IngestRow> {
  const parts = pattern.split(/(\{n(?::\d+)?\})/);
  for (let i = 0; i < count; i++) {
    let to = '';
    for (const part of parts) {
      if (part === '{n}') to += i;
      else if (part.startsWith('{n:')) to += String(i).padStart(Number(part.slice(3, -1)), '0');
      else to += part;
    }
    yield { to };
  }
}
