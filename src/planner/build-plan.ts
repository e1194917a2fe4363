import type { Frozen } from '../config/index.ts';
import type { PlanConfig } from '../config/plan-schema.ts';
import { PLAN_DEFAULTS } from '../config/plan-schema.ts';
import { formatBytes, formatMoney, formatNumber, formatTps } from '../core/index.ts';
import { channelMonthlyCost, creditsRunwayMonths, monthlyCeiling } from './budget.ts';
import { buildCampaign } from './build-campaign.ts';
import { erlangC, serviceLevel, smallestPool } from './erlang.ts';
import { memoryEstimate, rejectedPerPage } from './executor.ts';
import { type GrowthModel, monthCapacityRunsOut, monthsUntil, subscribersAt } from './growth.ts';
import type {
  BudgetReport,
  ExecutorReport,
  Flag,
  GrowthReport,
  MixReport,
  PlanReport,
  PoolReport,
  SystemTarget,
  UslReport,
} from './plan-report.ts';
import { splitByMix, tpsFromUsers, usersFromAudience, usersFromConnections } from './traffic.ts';
import { fitUsl, headroom, uslThroughput } from './usl.ts';

type Plan = Frozen<PlanConfig>;

/**
 * Turns a validated plan into every figure and verdict: pure, no I/O, same input -> same
 * report. Sections the plan leaves out come back null (or empty lists).
 */
export function buildPlan(plan: Plan): PlanReport {
  const flags: Flag[] = [];
  const system = buildSystem(plan, flags);
  const report: PlanReport = {
    kind: 'floodgate-plan',
    version: 1,
    name: plan.name,
    description: plan.description ?? null,
    system,
    mix: system && plan.mix ? buildMix(plan.mix, system) : null,
    growth: plan.growth ? buildGrowth(plan, system, flags) : null,
    campaigns: plan.campaigns.map((c) => buildCampaign(c, flags)),
    executors: plan.executors.map((e) => buildExecutor(e, flags)),
    pools: plan.pools.map((p) => buildPool(p, flags)),
    usl: plan.usl ? buildUsl(plan.usl, system, flags) : null,
    budget: plan.budget ? buildBudget(plan.budget, flags) : null,
    flags,
    verdict: 'ok',
  };
  report.verdict = flags.some((f) => f.severity === 'fail') ? 'fail' : flags.length > 0 ? 'warn' : 'ok';
  return report;
}

function buildSystem(plan: Plan, flags: Flag[]): SystemTarget | null {
  const t = plan.traffic;
  if (!t) return null;
  const connections = t.connections
    ? { peak: t.connections.peak, factor: t.connections.factor, users: usersFromConnections(t.connections.peak, t.connections.factor) }
    : null;
  const a = plan.audience;
  const visits = t.visits
    ? usersFromAudience({
        ...(a?.dau !== undefined ? { dau: a.dau } : {}),
        ...(a?.mau !== undefined ? { mau: a.mau } : {}),
        ...(a?.dailyActive !== undefined ? { dailyActiveRatio: a.dailyActive } : {}),
        visitsPerDay: t.visits.perUserPerDay,
        peakHourShare: t.visits.peakHourShare,
        sessionMs: t.visits.session,
      })
    : null;
  const basis = t.basis ?? (connections ? 'connections' : 'visits');
  const users = (basis === 'connections' ? connections?.users : visits?.users) as number;
  let routeDifference: number | null = null;
  if (connections && visits) {
    routeDifference = Math.abs(connections.users - visits.users) / Math.max(connections.users, visits.users);
    if (routeDifference > PLAN_DEFAULTS.routeTolerance) {
      flags.push({
        severity: 'warn',
        subject: 'traffic',
        message: `the two routes disagree: ${formatNumber(connections.users)} users from connections vs ${formatNumber(visits.users)} from visits (${formatNumber(routeDifference * 100, 0)}% apart); check the inputs`,
      });
    }
  }
  return {
    connections,
    visits,
    basis,
    users,
    responseTimeMs: t.responseTime,
    thinkTimeMs: t.thinkTime,
    tps: tpsFromUsers(users, t.responseTime, t.thinkTime),
    routeDifference,
    routesAgree: routeDifference === null ? null : routeDifference <= PLAN_DEFAULTS.routeTolerance,
  };
}

function buildMix(mix: NonNullable<Plan['mix']>, system: SystemTarget): MixReport {
  return {
    growthMultiple: mix.growthMultiple,
    features: splitByMix(mix.features, mix.growthMultiple, system.tps, system.responseTimeMs, system.thinkTimeMs),
  };
}

function buildGrowth(plan: Plan, system: SystemTarget | null, flags: Flag[]): GrowthReport {
  const g = plan.growth!;
  const start = plan.audience!.subscribers!;
  const model: GrowthModel =
    g.perMonth !== undefined ? { kind: 'linear', perMonth: g.perMonth } : { kind: 'compound', ratePerMonth: g.compound! };
  const atHorizon = subscribersAt(start, model, g.horizon);
  const target = g.target ?? null;
  const monthsToTarget = target === null ? null : monthsUntil(start, model, target);
  let capacity: GrowthReport['capacity'] = null;
  if (g.capacity) {
    // Capacity in subscribers: given, or throughput / (load per subscriber today).
    const throughput = g.capacity.throughput ?? null;
    const subscribers = g.capacity.subscribers ?? (start * (throughput as number)) / (system as SystemTarget).tps;
    const runsOutAtMonth = monthCapacityRunsOut(start, model, start, subscribers);
    capacity = { subscribers, throughput, runsOutAtMonth };
    if (runsOutAtMonth !== null && runsOutAtMonth <= g.horizon) {
      flags.push({
        severity: runsOutAtMonth === 0 ? 'fail' : 'warn',
        subject: 'growth',
        message: `capacity (${formatNumber(subscribers, 0)} subscribers${throughput ? `, ${formatTps(throughput)}` : ''}) stops covering the load at month ${runsOutAtMonth}, inside the ${g.horizon}-month horizon`,
      });
    }
  }
  const series = Array.from({ length: g.horizon + 1 }, (_, month) => ({ month, subscribers: subscribersAt(start, model, month) }));
  return { start, model, horizonMonths: g.horizon, atHorizon, target, monthsToTarget, capacity, series };
}

function buildExecutor(e: Plan['executors'][number], flags: Flag[]): ExecutorReport {
  const queue = e.queue === 'unbounded' ? null : e.queue;
  const rejected = rejectedPerPage({ pageSize: e.pageSize, threads: e.threads, queueCapacity: queue });
  const subject = `executors.${e.name}`;
  if (rejected > 0) {
    flags.push({
      severity: 'fail',
      subject,
      message:
        `${formatNumber(rejected)} of ${formatNumber(e.pageSize)} tasks rejected per page (${e.threads} threads + ${queue} queue slots hold ${formatNumber(e.threads + (queue as number))}); ` +
        'if a rejected task rolls back the "already sent" record, the same page is re-sent every cycle (story 3: 180 people got 100+ duplicates)',
    });
  }
  if (queue === null) {
    flags.push({
      severity: 'warn',
      subject,
      message:
        'unbounded queue: nothing is rejected, but every waiting task sits on the heap (story 5: OutOfMemoryError at 100,000 pushes)',
    });
  }
  let memory: ExecutorReport['memory'] = null;
  if (e.recipients !== undefined && e.bytesPerRecipient !== undefined) {
    const m = memoryEstimate(e.bytesPerRecipient, e.recipients, e.pageSize);
    memory = { recipients: e.recipients, bytesPerRecipient: e.bytesPerRecipient, ...m, heapBytes: e.heap ?? null };
    // What the batch really holds: everything when it loads all, else one page.
    const held = e.loading === 'all' ? m.loadAllBytes : m.pagedBytes;
    if (e.heap !== undefined && held > e.heap) {
      flags.push({
        severity: 'fail',
        subject,
        message:
          e.loading === 'all'
            ? `loading all ${formatNumber(e.recipients)} recipients needs ${formatBytes(m.loadAllBytes)}, more than the ${formatBytes(e.heap)} heap; a page of ${formatNumber(e.pageSize)} needs ${formatBytes(m.pagedBytes)}`
            : `a page of ${formatNumber(e.pageSize)} needs ${formatBytes(m.pagedBytes)}, more than the ${formatBytes(e.heap)} heap`,
      });
    }
  }
  return { name: e.name, loading: e.loading, pageSize: e.pageSize, threads: e.threads, queue, rejectedPerPage: rejected, memory };
}

function buildPool(p: Plan['pools'][number], flags: Flag[]): PoolReport {
  const target = p.target
    ? {
        meanWaitMs: p.target.meanWait ?? null,
        serviceLevel: p.target.serviceLevel
          ? { withinMs: p.target.serviceLevel.within, probability: p.target.serviceLevel.probability }
          : null,
      }
    : null;
  const waitTarget = {
    ...(target?.meanWaitMs != null ? { meanWait: target.meanWaitMs } : {}),
    ...(target?.serviceLevel
      ? { serviceLevel: { within: target.serviceLevel.withinMs, probability: target.serviceLevel.probability } }
      : {}),
  };
  const base = { arrivalRate: p.arrivalRate, serviceTime: p.serviceTime };
  const recommended = smallestPool(base, waitTarget);
  let configured: PoolReport['configured'] = null;
  if (p.servers !== undefined) {
    const r = erlangC({ ...base, servers: p.servers });
    const sl = target?.serviceLevel ? serviceLevel({ ...base, servers: p.servers }, target.serviceLevel.withinMs) : null;
    configured = {
      servers: p.servers,
      utilization: r.utilization,
      stable: r.stable,
      pWait: r.pWait,
      meanWaitMs: r.meanWait,
      serviceLevel: sl,
    };
    if (!r.stable) {
      flags.push({
        severity: 'fail',
        subject: `pools.${p.name}`,
        message: `${p.servers} servers cannot keep up with ${formatNumber(r.offeredLoad)} Erlangs of load: the queue grows without bound`,
      });
    } else if (recommended !== null && p.servers < recommended) {
      flags.push({
        severity: 'warn',
        subject: `pools.${p.name}`,
        message: `${p.servers} servers miss the wait target; ${recommended} meet it`,
      });
    }
  }
  return {
    name: p.name,
    arrivalRate: p.arrivalRate,
    serviceTimeMs: p.serviceTime,
    offeredLoad: (p.arrivalRate * p.serviceTime) / 1000,
    configured,
    target,
    recommended,
  };
}

function buildUsl(u: NonNullable<Plan['usl']>, system: SystemTarget | null, flags: Flag[]): UslReport {
  const points = u.points.map((p) => ({ n: p.n, x: p.throughput }));
  const fit = fitUsl(points);
  const room = headroom(fit, u.target ?? (system as SystemTarget).tps);
  if (!room.meets) {
    flags.push({
      severity: 'fail',
      subject: 'usl',
      message: `the fitted peak ${formatTps(room.maxTps)} is below the ${formatTps(room.targetTps)} target`,
    });
  }
  const maxN = Math.max(...points.map((p) => p.n), fit.nPeak ?? 0) * 1.2;
  const curve = Array.from({ length: 61 }, (_, i) => {
    const n = 1 + ((maxN - 1) * i) / 60;
    return { n, x: uslThroughput(n, fit) };
  });
  return { points, fit, headroom: room, curve };
}

function buildBudget(b: NonNullable<Plan['budget']>, flags: Flag[]): BudgetReport {
  const upfront = b.upfront.map((u) => ({ name: u.name, amount: u.amount }));
  const amounts = upfront.map((u) => u.amount);
  const ceiling = monthlyCeiling(b.credits, amounts, b.months);
  const channels = b.channels.map((c) => {
    const input = { name: c.name, volumePerMonth: c.volume, price: c.price, per: c.per, freeUnits: c.free };
    return { ...input, monthlyCost: channelMonthlyCost(input) };
  });
  const monthlyTotal = channels.reduce((s, c) => s + c.monthlyCost, 0);
  const withinCeiling = monthlyTotal <= ceiling + 1e-9;
  if (!withinCeiling) {
    flags.push({
      severity: 'fail',
      subject: 'budget',
      message: `channels cost ${formatMoney(monthlyTotal)} a month, over the ${formatMoney(ceiling)} ceiling that makes the credits last ${b.months} months`,
    });
  }
  return {
    credits: b.credits,
    upfront,
    months: b.months,
    monthlyCeiling: ceiling,
    channels,
    monthlyTotal,
    runwayMonths: monthlyTotal > 0 ? creditsRunwayMonths(b.credits, amounts, monthlyTotal) : null,
    withinCeiling,
  };
}
