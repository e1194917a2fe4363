import type { PlanReport } from '../planner/index.ts';
import { markText, type PlanSection, type PlanTable, toPlanSections } from './plan-sections.ts';

/** Aligns a table in monospace: numbers right, text left, two spaces between columns. */
export function renderTextTable(table: PlanTable, indent = '  '): string[] {
  const widths = table.headers.map((h, i) => Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((cell, i) => (table.numeric[i] ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(table.headers), indent + widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)];
}

function renderSection(section: PlanSection): string[] {
  const out = [section.title];
  const lines: string[] = [];
  const width = Math.max(0, ...section.lines.map((l) => l.label.length));
  const valueWidth = Math.max(0, ...section.lines.map((l) => l.value.length));
  for (const l of section.lines) {
    // The mark goes after the aligned value, so FAIL/WARN stand out without breaking the columns.
    const mark = l.mark && l.mark !== 'ok' ? `[${markText(l.mark)}] ` : '';
    const note = l.note || mark ? `  ${mark}${l.note ?? ''}` : '';
    lines.push(`  ${l.label.padEnd(width)}  ${l.value.padEnd(valueWidth)}${note}`.trimEnd());
  }
  const table = section.table ? renderTextTable(section.table) : [];
  const gap = lines.length > 0 && table.length > 0 ? [''] : [];
  return [...out, ...(section.tableFirst ? [...table, ...gap, ...lines] : [...lines, ...gap, ...table])];
}

/** The plan for a terminal: aligned sections, flags marked FAIL / WARN, the verdict last. */
export function renderPlanText(report: PlanReport): string {
  const out = [`floodgate plan: ${report.name}`];
  if (report.description) out.push(report.description);
  for (const section of toPlanSections(report)) out.push('', ...renderSection(section));
  out.push('');
  if (report.flags.length > 0) {
    out.push('Flags');
    const width = Math.max(...report.flags.map((f) => f.subject.length));
    for (const f of report.flags) out.push(`  ${markText(f.severity).padEnd(4)}  ${f.subject.padEnd(width)}  ${f.message}`);
    out.push('');
  }
  const fails = report.flags.filter((f) => f.severity === 'fail').length;
  const warns = report.flags.length - fails;
  out.push(`Verdict: ${report.verdict.toUpperCase()}${report.flags.length > 0 ? ` (${fails} failing, ${warns} warning)` : ''}`, '');
  return out.join('\n');
}
