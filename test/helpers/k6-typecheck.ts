import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The folder whose tsconfig.json holds the compiler options for k6 scripts. */
export const K6_TYPECHECK_DIR = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/k6-typecheck');

/**
 * Type-checks k6 scripts (`.js` with `// @ts-check`, or `.ts`) against @types/k6 with the options
 * of `test/fixtures/k6-typecheck/tsconfig.json`, wherever the files are (a generated script in a
 * temp dir works: `paths` there points `k6/*` at @types/k6). In-process through the TypeScript
 * API, so a test pays no process start. Returns each diagnostic as `file:line:col TSnnnn: message`.
 */
export function typecheckK6Scripts(files: readonly string[]): { ok: boolean; diagnostics: string[] } {
  const configFile = join(K6_TYPECHECK_DIR, 'tsconfig.json');
  const read = ts.readConfigFile(configFile, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, K6_TYPECHECK_DIR, undefined, configFile);
  const program = ts.createProgram({ rootNames: [...files], options: parsed.options });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (!d.file || d.start === undefined) return `TS${d.code}: ${message}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${d.file.fileName}:${line + 1}:${character + 1} TS${d.code}: ${message}`;
  });
  return { ok: diagnostics.length === 0, diagnostics };
}
