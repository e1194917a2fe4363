import {
  formatBytes,
  formatDuration,
  formatMoney,
  formatNumber,
  formatPercent,
  formatPrice,
  formatRange,
  formatRate,
  formatSpan,
  formatTps,
} from '../core/index.ts';
import type { CampaignReport, PlanReport } from '../planner/index.ts';

/**
 * A capacity plan laid out once as titled sections of lines and tables, so the terminal,
 * Markdown and HTML renderers say exactly the same thing and differ only in markup.
 */
export interface PlanSection {
  title: string;
  /** Label/value lines, each with an optional note and mark. */
  lines: PlanLine[];
  table: PlanTable | null;
  /** Show the table before the lines (the lines are notes on its rows). */
  tableFirst?: boolean;
}

/** A label/value line with an optional note and mark. */
export interface PlanLine {
  label: string;
  value: string;
  note?: string;
  mark?: Mark;
}

/** How a line or row stands: fine, worth a look, or will not hold. */
export type Mark = 'ok' | 'warn' | 'fail';

/** A table of pre-formatted cells. */
export interface PlanTable {
  headers: string[];
  /** Columns to right-align (numbers). */
  numeric: boolean[];
  rows: string[][];
}

/** Waits are often far below a millisecond: keep three decimals there. */
function formatWait(ms: number): string {
  return ms < 1 ? `${formatNumber(ms, 3)}ms` : formatSpan(ms);
}

const MARK_TEXT: Record<Mark, string> = { ok: 'OK', warn: 'WARN', fail: 'FAIL' };

/** The text of a mark as it appears in cells: `FAIL`. */
export function markText(mark: Mark): string {
  return MARK_TEXT[mark];
}

/** Lays the report out as sections, skipping those the plan did not ask for. */
export function toPlanSections(report: PlanReport): PlanSection[] {
  return [
    systemSection(report),
    mixSection(report),
    growthSection(report),
    campaignSection(report),
    executorSection(report),
    poolSection(report),
    uslSection(report),
    budgetSection(report),
  ]
    .filter((s): s is PlanSection => s !== null)
    .map((s) => (s.table ? { ...s, table: dropEmptyColumns(s.table) } : s));
}

/** Leaves out columns that say nothing ('-' in every row), so wide tables fit a terminal. */
function dropEmptyColumns(table: PlanTable): PlanTable {
  const keep = table.headers.map((_, i) => i === 0 || table.rows.some((r) => r[i] !== '-'));
  const pick = <T>(cells: T[]) => cells.filter((_, i) => keep[i]);
  return { headers: pick(table.headers), numeric: pick(table.numeric), rows: table.rows.map(pick) };
}

/** A drain time: one value with decimal minutes (77m 47s (77.8 min)), a range in clock form only. */
function formatDrain(span: { min: number; max: number }): string {
  return span.min === span.max ? formatSpan(span.min) : `${formatDuration(span.min)} - ${formatDuration(span.max)}`;
}

function systemSection({ system: s }: PlanReport): PlanSection | null {
  if (!s) return null;
  const lines: PlanLine[] = [];
  if (s.connections) {
    lines.push({
      label: 'users (load balancer)',
      value: formatNumber(s.connections.users),
      note: `${formatNumber(s.connections.peak)} connections/s x ${formatNumber(s.connections.factor)}${s.basis === 'connections' ? ', the basis' : ''}`,
    });
  }
  if (s.visits) {
    lines.push({
      label: 'users (audience)',
      value: formatNumber(s.visits.users),
      note: `DAU ${formatNumber(s.visits.dau)}: ${formatRate(s.visits.arrivalsPerSecond, 3)} arrivals in the peak hour x session${s.basis === 'visits' ? ', the basis' : ''}`,
    });
  }
  if (s.routesAgree !== null) {
    lines.push({
      label: 'routes agree',
      value: s.routesAgree ? 'yes' : 'no',
      note: `${formatPercent(s.routeDifference ?? 0, 1)} apart`,
      mark: s.routesAgree ? 'ok' : 'warn',
    });
  }
  lines.push(
    { label: 'concurrent users', value: formatNumber(s.users) },
    { label: 'response time', value: formatSpan(s.responseTimeMs) },
    { label: 'think time', value: formatSpan(s.thinkTimeMs) },
    {
      label: 'throughput target',
      value: formatTps(s.tps),
      note: `${formatNumber(s.users)} users / (${formatSpan(s.responseTimeMs)} + ${formatSpan(s.thinkTimeMs)})`,
    },
  );
  return { title: "System target (Little's law)", lines, table: null };
}

function mixSection({ mix }: PlanReport): PlanSection | null {
  if (!mix) return null;
  const m = formatNumber(mix.growthMultiple);
  return {
    title: `Feature targets at ${m}x users`,
    lines: [],
    table: {
      headers: ['feature', 'calls', `at ${m}x`, 'share', 'TPS', 'users'],
      numeric: [false, true, true, true, true, true],
      rows: mix.features.map((f) => [
        f.name,
        formatNumber(f.calls),
        `${formatNumber(f.scaledCalls)}${f.cached ? ' (cached)' : ''}`,
        formatPercent(f.share),
        formatTps(f.tps),
        formatNumber(f.users, 3),
      ]),
    },
  };
}

function growthSection({ growth: g }: PlanReport): PlanSection | null {
  if (!g) return null;
  const how =
    g.model.kind === 'linear'
      ? `+${formatNumber(g.model.perMonth)} subscribers a month`
      : `+${formatPercent(g.model.ratePerMonth)} a month, compound`;
  const lines: PlanLine[] = [
    { label: 'today', value: `${formatNumber(g.start, 0)} subscribers`, note: how },
    { label: `in ${g.horizonMonths} months`, value: `${formatNumber(g.atHorizon, 0)} subscribers` },
  ];
  if (g.target !== null) {
    const within = g.monthsToTarget !== null && g.monthsToTarget <= g.horizonMonths;
    lines.push({
      label: `target ${formatNumber(g.target, 0)}`,
      value: g.monthsToTarget === null ? 'never reached' : `month ${g.monthsToTarget}`,
      note: within ? 'inside the horizon' : 'beyond the horizon',
    });
  }
  if (g.capacity) {
    const runsOut = g.capacity.runsOutAtMonth;
    lines.push({
      label: `capacity ${formatNumber(g.capacity.subscribers, 0)}`,
      value: runsOut === null ? 'covers the load' : `runs out at month ${runsOut}`,
      note: g.capacity.throughput !== null ? `measured ${formatTps(g.capacity.throughput)}` : 'subscribers one deployment holds',
      mark: runsOut !== null && runsOut <= g.horizonMonths ? (runsOut === 0 ? 'fail' : 'warn') : 'ok',
    });
  }
  return { title: 'Growth', lines, table: null };
}

function drainCell(c: CampaignReport): string {
  return c.drainMs ? formatDrain(c.drainMs) : 'unbounded';
}

function campaignSection({ campaigns }: PlanReport): PlanSection | null {
  if (campaigns.length === 0) return null;
  const rows = campaigns.map((c) => [
    c.name,
    formatRange(c.recipients, (v) => formatNumber(v, 0)),
    c.deadlineMs ? formatRange(c.deadlineMs, formatSpan) : '-',
    c.requiredRate ? formatRange(c.requiredRate, (v) => formatRate(v, 2)) : '-',
    c.providerLimit !== null ? `${formatRate(c.providerLimit)} (${c.provider ?? 'provider'})` : '-',
    Number.isFinite(c.throughput.perSecond) ? `${formatRate(c.throughput.perSecond)} (${c.throughput.limitedBy})` : '-',
    c.drainAtLimitMs ? formatDrain(c.drainAtLimitMs) : '-',
    drainCell(c),
    c.verdict === 'meets' ? 'meets deadline' : c.verdict === 'misses' ? 'FAIL: misses' : c.verdict,
  ]);
  const lines: PlanLine[] = [];
  for (const c of campaigns) {
    const extra: string[] = [];
    if (c.retryInflation !== 1) extra.push(`retries x${formatNumber(c.retryInflation, 3)} (${formatPercent(c.failureRate)} fail)`);
    if (c.workersToSaturate !== null) extra.push(`${formatNumber(c.workersToSaturate, 0)} workers saturate the provider`);
    if (c.workersForDeadline !== null) extra.push(`${formatNumber(c.workersForDeadline, 0)} workers meet the deadline`);
    if (c.deliverableByDeadline !== null && c.verdict === 'misses')
      extra.push(`${formatNumber(c.deliverableByDeadline, 0)} get through by the deadline`);
    if (c.lateness) {
      const l = c.lateness;
      const onTime = Number.isFinite(l.onTimeRate) ? `; ${formatRate(l.onTimeRate)} keeps every one on time` : '';
      extra.push(
        `scheduled: at exactly ${formatRate(l.rate)} the least lateness is p50 ${formatSpan(l.p50)}, p95 ${formatSpan(l.p95)}, ` +
          `p99 ${formatSpan(l.p99)}, the last ${formatSpan(l.max)} late${onTime}`,
      );
    }
    if (extra.length > 0) lines.push({ label: c.name, value: extra.join('; ') });
  }
  return {
    title: 'Campaigns',
    tableFirst: true,
    lines,
    table: {
      headers: [
        'campaign',
        'recipients',
        'deadline',
        'required rate',
        'provider limit',
        'throughput (bound)',
        'drain at limit',
        'drain',
        'verdict',
      ],
      numeric: [false, true, true, true, true, true, true, true, false],
      rows,
    },
  };
}

function executorSection({ executors }: PlanReport): PlanSection | null {
  if (executors.length === 0) return null;
  return {
    title: 'Executors (page vs threads + queue)',
    lines: [],
    table: {
      headers: ['executor', 'loads', 'page', 'threads', 'queue', 'rejected/page', 'all in memory', 'one page', 'heap'],
      numeric: [false, false, true, true, true, true, true, true, true],
      rows: executors.map((e) => [
        e.name,
        e.loading,
        formatNumber(e.pageSize, 0),
        formatNumber(e.threads, 0),
        e.queue === null ? 'UNBOUNDED' : formatNumber(e.queue, 0),
        e.rejectedPerPage > 0 ? `FAIL ${formatNumber(e.rejectedPerPage, 0)}` : '0',
        e.memory ? formatBytes(e.memory.loadAllBytes) : '-',
        e.memory ? formatBytes(e.memory.pagedBytes) : '-',
        e.memory?.heapBytes != null ? formatBytes(e.memory.heapBytes) : '-',
      ]),
    },
  };
}

function poolSection({ pools }: PlanReport): PlanSection | null {
  if (pools.length === 0) return null;
  return {
    title: 'Pools (M/M/c, Erlang C)',
    lines: [],
    table: {
      headers: ['pool', 'arrivals', 'service', 'load', 'servers', 'utilization', 'P(wait)', 'mean wait', 'service level', 'recommended'],
      numeric: [false, true, true, true, true, true, true, true, true, true],
      rows: pools.map((p) => {
        const c = p.configured;
        const sl = p.target?.serviceLevel;
        return [
          p.name,
          formatRate(p.arrivalRate),
          formatSpan(p.serviceTimeMs),
          `${formatNumber(p.offeredLoad, 3)} E`,
          c ? String(c.servers) : '-',
          c ? formatPercent(c.utilization, 1) : '-',
          c ? (c.stable ? formatNumber(c.pWait, 6) : 'FAIL unstable') : '-',
          c?.stable ? formatWait(c.meanWaitMs) : '-',
          c && sl && c.serviceLevel !== null ? `${formatPercent(c.serviceLevel, 2)} <= ${formatSpan(sl.withinMs)}` : '-',
          p.recommended === null ? '-' : String(p.recommended),
        ];
      }),
    },
  };
}

function uslSection({ usl }: PlanReport): PlanSection | null {
  if (!usl) return null;
  const { fit, headroom: h } = usl;
  const lines: PlanLine[] = [
    {
      label: 'model',
      value: fit.model === 'usl' ? 'USL' : 'Amdahl (beta = 0)',
      note: `R² ${formatNumber(fit.rSquared, 4)} over ${usl.points.length} points`,
    },
    { label: 'alpha (contention)', value: fit.alpha.toPrecision(4) },
    { label: 'beta (coherency)', value: fit.beta.toPrecision(4) },
    { label: 'gamma (X at N=1)', value: formatTps(fit.gamma) },
    { label: 'N peak', value: fit.nPeak === null ? 'none (no retrograde)' : formatNumber(fit.nPeak, 2) },
    { label: 'X peak', value: fit.xPeak === null ? '-' : formatTps(fit.xPeak) },
    { label: 'X roof (gamma/alpha)', value: fit.xRoof === null ? '-' : formatTps(fit.xRoof) },
    {
      label: `headroom vs ${formatTps(h.targetTps)}`,
      value: formatPercent(h.headroom, 1),
      note: h.concurrencyForTarget === null ? 'target out of reach' : `reached at N = ${formatNumber(h.concurrencyForTarget, 1)}`,
      mark: h.meets ? 'ok' : 'fail',
    },
  ];
  return { title: 'Scalability (USL fit)', lines, table: null };
}

function budgetSection({ budget: b }: PlanReport): PlanSection | null {
  if (!b) return null;
  const upfront = b.upfront.reduce((s, u) => s + u.amount, 0);
  const lines: PlanLine[] = [
    { label: 'credits', value: formatMoney(b.credits) },
    ...b.upfront.map((u) => ({ label: `upfront: ${u.name}`, value: formatMoney(u.amount) })),
    {
      label: 'monthly ceiling',
      value: formatMoney(b.monthlyCeiling),
      note: `(${formatMoney(b.credits)} - ${formatMoney(upfront)}) / ${b.months} months`,
    },
  ];
  if (b.channels.length > 0) {
    lines.push({
      label: 'monthly spend',
      value: formatMoney(b.monthlyTotal),
      note: b.withinCeiling ? 'within the ceiling' : `over the ceiling by ${formatMoney(b.monthlyTotal - b.monthlyCeiling)}`,
      mark: b.withinCeiling ? 'ok' : 'fail',
    });
    if (b.runwayMonths !== null)
      lines.push({
        label: 'credits last',
        value: `${formatNumber(b.runwayMonths, 1)} months`,
        note: 'at that spend, after upfront payments',
      });
  }
  return {
    title: 'Budget',
    lines,
    table:
      b.channels.length === 0
        ? null
        : {
            headers: ['channel', 'volume/month', 'price', 'free', 'cost/month'],
            numeric: [false, true, true, true, true],
            rows: b.channels.map((c) => [
              c.name,
              formatNumber(c.volumePerMonth, 0),
              c.per === 1 ? formatPrice(c.price) : `${formatPrice(c.price)} / ${formatNumber(c.per, 0)}`,
              formatNumber(c.freeUnits, 0),
              formatMoney(c.monthlyCost),
            ]),
          },
  };
}
