/**
 * Benchmark: how scenario parsing scales with file size. Generates scenarios of 1, 4 and 16 MiB
 * (one request template whose body is a single map with tens of thousands of keys, the shape
 * that made yaml's `uniqueKeys` quadratic, plus many small templates) and times, for each:
 * - `parse`: floodgate's `parseYamlSource` (yaml parse, one-pass duplicate/`__proto__` key check, toJS),
 * - `load`: `loadScenario` as `floodgate run` calls it (read, parse, validate, template checks),
 * - `bare`: yaml's own `parseDocument` + `toJS` without key checks, the baseline in the same run.
 * The size limit (4 MiB for users) is raised here through `maxBytes`. Goal: linear in size, i.e.
 * the time per MB at 16 MiB within 2x of that at 1 MiB. Writes reports/bench/yaml.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { loadScenario } from '../src/cli/run/load-scenario.ts';
import { parseYamlSource } from '../src/config/index.ts';

const SIZES_MIB = [1, 4, 16];
const MIB = 1024 * 1024;

/** A valid scenario of about `bytes`: half in one big body map, half in many small templates. */
function generate(bytes: number): string {
  const lines = ['name: bench-yaml', 'load:', '  - phases:', '      stages: [ { duration: 1s, rate: 1 } ]', '      templates:'];
  let size = lines.join('\n').length;
  const push = (line: string) => {
    lines.push(line);
    size += line.length + 1;
  };
  push('        - { path: /big, method: POST, body: {');
  for (let i = 0; size < bytes / 2; i++) push(`            key${i}: "value ${i} {{seq}}",`);
  push('          } }');
  for (let i = 0; size < bytes; i++) {
    push(`        - { name: t${i}, weight: ${1 + (i % 3)}, method: POST, path: "/v1/messages/${i}",`);
    push(`            body: { channel: alimtalk, to: "{{recipient}}", template: welcome, params: { name: "member ${i}" } } }`);
  }
  return `${lines.join('\n')}\n`;
}

async function time(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return Math.round(performance.now() - start);
}

const dir = await mkdtemp(join(tmpdir(), 'fg-bench-yaml-'));
const rows: { mib: number; bytes: number; parseMs: number; loadMs: number; bareMs: number; parseMsPerMib: number }[] = [];
try {
  // Warm-up: JIT and zod's schema compilation, so the 1 MiB figure is not mostly start-up.
  parseYamlSource(generate(MIB / 4), 'warm-up.yaml');
  for (const mib of SIZES_MIB) {
    const text = generate(mib * MIB);
    const file = join(dir, `scenario-${mib}mib.yaml`);
    await writeFile(file, text);
    const maxBytes = 2 * text.length;
    const bareMs = await time(() => parseDocument(text, { lineCounter: new LineCounter(), uniqueKeys: false }).toJS());
    const parseMs = await time(() => parseYamlSource(text, file, { maxBytes }));
    const loadMs = await time(() => loadScenario(file, { scale: 1, maxBytes }));
    const row = { mib, bytes: Buffer.byteLength(text), parseMs, loadMs, bareMs, parseMsPerMib: Math.round(parseMs / mib) };
    rows.push(row);
    console.log(`${mib} MiB: parse ${parseMs} ms (${row.parseMsPerMib} ms/MiB), load ${loadMs} ms, bare yaml ${bareMs} ms`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const first = rows[0] as (typeof rows)[number];
const last = rows.at(-1) as (typeof rows)[number];
const perMibRatio = Math.round((last.parseMs / last.mib / (first.parseMs / first.mib)) * 100) / 100;
const figures = {
  benchmark: 'yaml',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  results: rows,
  ratios: {
    /** Time per MiB at 16 MiB over time per MiB at 1 MiB: 1 is linear, 16 would be quadratic. */
    parsePerMib16vs1: perMibRatio,
    /** floodgate's parse over bare yaml at 16 MiB: the cost of the key checks and positions. */
    parseVsBare16: Math.round((last.parseMs / last.bareMs) * 100) / 100,
  },
  goal: 'parse time per MiB at 16 MiB within 2x of that at 1 MiB',
  goalMet: perMibRatio <= 2,
};
await mkdir('reports/bench', { recursive: true });
await writeFile('reports/bench/yaml.json', `${JSON.stringify(figures, null, 2)}\n`);
console.log(`per-MiB ratio 16 vs 1 MiB: ${perMibRatio} (${figures.goalMet ? 'linear' : 'NOT linear'}); wrote reports/bench/yaml.json`);
