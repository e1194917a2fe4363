import type { PlanReport } from '../planner/index.ts';
import { markText, type PlanTable, toPlanSections } from './plan-sections.ts';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function renderMarkdownTable(table: PlanTable): string[] {
  return [
    `| ${table.headers.map(cell).join(' | ')} |`,
    `| ${table.numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
    ...table.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

/** The plan as Markdown (`plan.md`): one section per part of the plan, then the flags and verdict. */
export function renderPlanMarkdown(report: PlanReport): string {
  const out = [`# Capacity plan: ${report.name}`, ''];
  if (report.description) out.push(report.description, '');
  out.push(`**Verdict: ${report.verdict.toUpperCase()}**`, '');
  for (const section of toPlanSections(report)) {
    out.push(`## ${section.title}`, '');
    if (section.lines.length > 0) {
      for (const l of section.lines) {
        const mark = l.mark && l.mark !== 'ok' ? ` **${markText(l.mark)}**` : '';
        out.push(`- ${cell(l.label)}: **${cell(l.value)}**${mark}${l.note ? ` (${cell(l.note)})` : ''}`);
      }
      out.push('');
    }
    if (section.table) out.push(...renderMarkdownTable(section.table), '');
  }
  if (report.flags.length > 0) {
    out.push('## Flags', '');
    for (const f of report.flags) out.push(`- **${markText(f.severity)}** \`${f.subject}\`: ${f.message}`);
    out.push('');
  }
  return out.join('\n');
}
