import { readFile } from 'node:fs/promises';
import { InputError, RESULT_SCHEMA_VERSION, Result, zodIssues } from '../core/index.ts';

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Parses a result file's text: JSON syntax (with the position of the first error; a file cut
 * short is named as such), then the schema version (a newer file is refused with an upgrade hint
 * before zod would report a confusing literal mismatch), then the {@link Result} schema.
 * Every failure is an {@link InputError} (exit 4).
 */
export function parseResultText(text: string, file: string): Result {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const atEnd = /end of JSON input/.test(message) || (position !== null && Number(position[1]) >= text.trimEnd().length);
    const detail = message.replace(/ in JSON at position \d+.*$/, '');
    // V8 names a position for most errors, but not for an unexpected token: then only the file.
    if (!atEnd && !position) throw new InputError('FG_CONFIG_SYNTAX', `${file}: invalid JSON: ${detail}`);
    const { line, column } = lineColumn(text, position ? Number(position[1]) : text.length);
    const why = atEnd ? 'the JSON ends early (truncated file?)' : 'invalid JSON';
    throw new InputError('FG_CONFIG_SYNTAX', `${file}:${line}:${column}: ${why}: ${detail}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InputError('FG_RESULT_INVALID', `${file}: not a floodgate result (expected a JSON object)`);
  }
  const version = (data as { schemaVersion?: unknown }).schemaVersion;
  if (typeof version === 'number' && version > RESULT_SCHEMA_VERSION) {
    throw new InputError(
      'FG_RESULT_INVALID',
      `${file}: result schemaVersion ${version} is newer than this floodgate reads (${RESULT_SCHEMA_VERSION}); upgrade floodgate to read it`,
    );
  }
  if (version === undefined) throw new InputError('FG_RESULT_INVALID', `${file}: not a floodgate result (no schemaVersion)`);
  const parsed = Result.safeParse(data);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error.issues, { locate: () => ({ file }) }).slice(0, 20);
    throw new InputError('FG_RESULT_INVALID', `${file}: does not match the result schema v${RESULT_SCHEMA_VERSION}`, { issues });
  }
  return parsed.data;
}

/** Reads and parses a result (or baseline) file; see {@link parseResultText}. */
export async function readResultFile(file: string): Promise<Result> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(
      'FG_FILE_NOT_FOUND',
      `${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  return parseResultText(text, file);
}
