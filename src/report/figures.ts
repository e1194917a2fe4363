import type { Result } from '../core/index.ts';
import { httpEfficiency, providerEfficiency } from '../gate/index.ts';
import { fmtBytes, fmtCount, fmtDuration, fmtMs, fmtNumber, fmtPct } from './format.ts';

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
      value: `${fmtCount(h.requests)} sent, ${fmtCount(h.completed)} completed, ${fmtCount(errors)} errors, ${fmtCount(h.timeouts)} timeouts${eff === null ? '' : ` (${fmtPct(eff)} of intended)`}`,
    });
    const c = h.latencyCorrected;
    out.push({ label: 'latency p50 / p95 / p99 (corrected)', value: `${fmtMs(c.p50)} / ${fmtMs(c.p95)} / ${fmtMs(c.p99)}` });
    const r = h.latencyRaw;
    out.push({ label: 'latency p50 / p95 / p99 (raw)', value: `${fmtMs(r.p50)} / ${fmtMs(r.p95)} / ${fmtMs(r.p99)}` });
  }
  for (const [name, p] of Object.entries(result.providers)) {
    const eff = providerEfficiency(p, result.meta.duration);
    const limit = p.limitPerSecond === null ? 'no limit' : `limit ${fmtNumber(p.limitPerSecond)}/s`;
    out.push({
      label: `provider ${name}`,
      value: `${fmtCount(p.admitted)} ${p.unit} admitted, ${fmtCount(p.rejected)} rejected; max ${fmtCount(p.maxPerSecondWindow)} in a sliding second (${limit})${eff === null ? '' : `; ${fmtPct(eff)} of what the limit allows`}; ${fmtCount(p.duplicates)} duplicated recipients`,
    });
  }
  for (const c of result.campaigns) {
    const drain = c.drainTime === null ? 'not drained' : `drained in ${fmtDuration(c.drainTime)}`;
    const deadline = c.deadline === null ? '' : ` (deadline ${fmtDuration(c.deadline)})`;
    out.push({
      label: `campaign ${c.name}`,
      value: `${fmtCount(c.delivered)} of ${fmtCount(c.accepted)} delivered, ${fmtCount(c.lost)} lost, ${fmtCount(c.duplicated)} duplicated; ${drain}${deadline}`,
    });
  }
  for (const s of result.sweeps) {
    if (!s.usl) continue;
    const target = s.targetTps === null ? '' : `; target ${fmtNumber(s.targetTps)}/s, headroom ${fmtPct(s.headroom)}`;
    out.push({
      label: `sweep ${s.name}`,
      value: `peak ${fmtNumber(s.usl.xPeak, 0)}/s at concurrency ${fmtNumber(s.usl.nPeak, 0)}${target}`,
    });
  }
  for (const s of result.searches ?? []) {
    const c = s.confidence;
    const repeat = c.repeatHeld === null ? 'boundary not repeated' : c.repeatHeld ? 'boundary held again' : 'boundary did not hold again';
    out.push({
      label: `capacity search ${s.name}`,
      value: `${s.summary} (${c.held} steps held, ${c.failed} failed${c.invalid ? `, ${c.invalid} invalid` : ''}; ${repeat}${c.p95Noise === null ? '' : `, p95 noise ${fmtMs(c.p95Noise)}`}; ${s.note})`,
    });
  }
  for (const i of result.isolation ?? []) {
    const a = i.alone;
    const d = i.duringCampaign;
    out.push({
      label: `transactional ${i.phase}`,
      value: `alone p50 / p95 / p99 ${fmtMs(a.p50)} / ${fmtMs(a.p95)} / ${fmtMs(a.p99)} (${fmtCount(a.count)} requests); while a campaign drained ${fmtMs(d.p50)} / ${fmtMs(d.p95)} / ${fmtMs(d.p99)} (${fmtCount(d.count)})`,
    });
  }
  const rss = result.series.find((s) => s.name === 'dispatcher.rss');
  if (rss && rss.points.length > 0) out.push({ label: 'dispatcher RSS max', value: fmtBytes(Math.max(...rss.points.map((p) => p[1]))) });
  return out;
}
