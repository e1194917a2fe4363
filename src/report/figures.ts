import type { LatenessStats, Result } from '../core/index.ts';
import { formatBinaryBytes, formatCount, formatElapsed, formatFigure, formatMs, formatPercent } from '../core/index.ts';
import { httpEfficiency, providerEfficiency } from '../gate/index.ts';

/** One key figure: a label and its formatted value. */
export interface Figure {
  label: string;
  value: string;
}

/** The figures a reader looks at first, shared by the Markdown, HTML and JSON renderers. */
export function buildKeyFigures(result: Result): Figure[] {
  const out: Figure[] = [];
  const h = result.http;
  if (h.requests > 0) {
    const errors = Object.values(h.errors).reduce((a, b) => a + b, 0);
    const eff = httpEfficiency(result);
    out.push({
      label: 'requests',
      value: `${formatCount(h.requests)} sent, ${formatCount(h.completed)} completed, ${formatCount(errors)} errors, ${formatCount(h.timeouts)} timeouts${eff === null ? '' : ` (${formatPercent(eff, 1)} of intended)`}`,
    });
    const c = h.latencyCorrected;
    out.push({ label: 'latency p50 / p95 / p99 (corrected)', value: `${formatMs(c.p50)} / ${formatMs(c.p95)} / ${formatMs(c.p99)}` });
    const r = h.latencyRaw;
    out.push({ label: 'latency p50 / p95 / p99 (raw)', value: `${formatMs(r.p50)} / ${formatMs(r.p95)} / ${formatMs(r.p99)}` });
  }
  for (const [name, p] of Object.entries(result.providers)) {
    const eff = providerEfficiency(p, result.meta.duration);
    const limit = p.limitPerSecond === null ? 'no limit' : `limit ${formatFigure(p.limitPerSecond)}/s`;
    out.push({
      label: `provider ${name}`,
      value: `${formatCount(p.admitted)} ${p.unit} admitted, ${formatCount(p.rejected)} rejected; max ${formatCount(p.maxPerSecondWindow)} in a sliding second (${limit})${eff === null ? '' : `; ${formatPercent(eff, 1)} of what the limit allows`}; ${formatCount(p.duplicates)} duplicated recipients`,
    });
  }
  for (const c of result.campaigns) {
    const drain = c.drainTime === null ? 'not drained' : `drained in ${formatElapsed(c.drainTime)}`;
    const deadline = c.deadline === null ? '' : ` (deadline ${formatElapsed(c.deadline)}${c.lateness ? ' after the last due time' : ''})`;
    out.push({
      label: `campaign ${c.name}`,
      value: `${formatCount(c.delivered)} of ${formatCount(c.accepted)} delivered, ${formatCount(c.lost)} lost, ${formatCount(c.duplicated)} duplicated; ${drain}${deadline}`,
    });
    if (c.lateness) out.push(latenessFigure(c.name, c.lateness));
  }
  for (const p of result.phases ?? []) {
    const l = p.latency;
    const refused = p.refused + p.unanswered > 0 ? `, ${formatCount(p.refused)} refused, ${formatCount(p.unanswered)} unanswered` : '';
    out.push({
      label: `phase ${p.name} (tracked on ${p.provider})`,
      value: `${formatCount(p.delivered)} of ${formatCount(p.accepted)} accepted delivered${refused}, ${formatCount(p.lost)} lost, ${formatCount(p.duplicated)} duplicated; to delivery p50 / p95 / p99 ${formatMs(l.p50)} / ${formatMs(l.p95)} / ${formatMs(l.p99)}`,
    });
  }
  for (const s of result.sweeps) {
    if (!s.usl) continue;
    const target = s.targetTps === null ? '' : `; target ${formatFigure(s.targetTps)}/s, headroom ${formatPercent(s.headroom, 1)}`;
    out.push({
      label: `sweep ${s.name}`,
      value: `peak ${formatFigure(s.usl.xPeak, 0)}/s at concurrency ${formatFigure(s.usl.nPeak, 0)}${target}`,
    });
  }
  for (const s of result.searches ?? []) {
    const c = s.confidence;
    const repeat = c.repeatHeld === null ? 'boundary not repeated' : c.repeatHeld ? 'boundary held again' : 'boundary did not hold again';
    out.push({
      label: `capacity search ${s.name}`,
      value: `${s.summary} (${c.held} steps held, ${c.failed} failed${c.invalid ? `, ${c.invalid} invalid` : ''}; ${repeat}${c.p95Noise === null ? '' : `, p95 noise ${formatMs(c.p95Noise)}`}; ${s.note})`,
    });
  }
  for (const i of result.isolation ?? []) {
    const a = i.alone;
    const d = i.duringCampaign;
    out.push({
      label: `transactional ${i.phase}`,
      value: `alone p50 / p95 / p99 ${formatMs(a.p50)} / ${formatMs(a.p95)} / ${formatMs(a.p99)} (${formatCount(a.count)} requests); while a campaign drained ${formatMs(d.p50)} / ${formatMs(d.p95)} / ${formatMs(d.p99)} (${formatCount(d.count)})`,
    });
  }
  for (const f of result.faults ?? []) {
    const when = f.killedAt === null ? 'never sent' : `at ${formatElapsed(f.killedAt)}`;
    const back =
      f.readyAt === null || f.downtime === null
        ? `not ready again${f.error ? ` (${f.error})` : ''}`
        : `ready again at ${formatElapsed(f.readyAt)} (down ${formatElapsed(f.downtime)})`;
    out.push({ label: `fault ${f.name}`, value: `dispatcher instance ${f.instance} restarted: ${f.signal} ${when}, ${back}` });
  }
  const rss = result.series.find((s) => s.name === 'dispatcher.rss');
  if (rss && rss.points.length > 0)
    out.push({ label: 'dispatcher RSS max', value: formatBinaryBytes(Math.max(...rss.points.map((p) => p[1]))) });
  return out;
}

/** A scheduled campaign's lateness: percentiles in ms, the early count with its tolerance, over how many. */
function latenessFigure(name: string, l: LatenessStats): Figure {
  const due =
    l.firstDue === l.lastDue
      ? `all due at ${formatElapsed(l.firstDue)}`
      : `due from ${formatElapsed(l.firstDue)} to ${formatElapsed(l.lastDue)}`;
  return {
    label: `lateness ${name} p50 / p95 / p99 / max`,
    value: `${formatMs(l.p50)} / ${formatMs(l.p95)} / ${formatMs(l.p99)} / ${formatMs(l.max)}; ${formatCount(l.early)} early (more than ${formatMs(l.tolerance)} before due) of ${formatCount(l.reached)} reached; ${due} after the start request`,
  };
}
