import { formatDuration } from '../../core/index.ts';
import type { RunProgress } from '../../runner/index.ts';

/**
 * Renders one progress line: elapsed/planned, active steps, target vs achieved send rate
 * (the last full second), corrected p95, errors, drops, provider rate vs limit, campaign
 * backlog and ETA.
 */
export function renderProgress(p: RunProgress): string {
  const parts: string[] = [];
  const planned = p.planned !== null ? `/${formatDuration(p.planned)}` : '';
  parts.push(`[${formatDuration(Math.round(p.elapsed / 1000) * 1000)}${planned}]`);
  parts.push(p.steps.length > 0 ? p.steps.join(',') : 'finishing');
  const s = p.http.lastSecond;
  if (s) parts.push(`rate ${s.sent}/${s.intended}/s`, `p95 ${s.p95 === null ? '-' : `${Math.round(s.p95)}ms`}`);
  if (p.http.sent > 0) parts.push(`errors ${p.http.errors}`, `timeouts ${p.http.timeouts}`);
  if (p.http.dropped > 0) parts.push(`dropped ${p.http.dropped}`);
  for (const v of p.providers)
    parts.push(`${v.name} ${v.admitted}/${v.limit ?? '-'}/s${v.rejected > 0 ? ` (${v.rejected} rejected)` : ''}`);
  for (const c of p.campaigns) parts.push(`${c.name} ${c.delivered}/${c.accepted} backlog ${c.backlog}`);
  if (p.planned !== null) parts.push(`ETA ${formatDuration(Math.max(0, Math.round((p.planned - p.elapsed) / 1000) * 1000))}`);
  return parts.join('  ');
}

/** Writes progress: redrawn in place on a TTY, a plain line every `every` ms otherwise. */
export function createProgressWriter(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, every = 5000) {
  let lastPlain = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(p: RunProgress) {
      const line = renderProgress(p);
      if (stream.isTTY) {
        const width = stream.columns ?? 120;
        stream.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
        drawn = true;
      } else if (p.elapsed - lastPlain >= every) {
        lastPlain = p.elapsed;
        stream.write(`${line}\n`);
      }
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
