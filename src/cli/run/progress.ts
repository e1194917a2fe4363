import type { Frozen, Scenario } from '../../config/index.ts';
import { formatDuration } from '../../core/index.ts';
import type { RunProgress } from '../../runner/index.ts';
import { colourEnabled, type Paint, painter } from '../colour.ts';

/** What the progress line knows of the scenario and of the recent past, beyond one {@link RunProgress}. */
export interface ProgressContext {
  /** When the last HTTP phase or sweep ends (ms from the start), or null when the run sends none. */
  httpEnd: number | null;
  /** Names of the steps that send HTTP requests (phases, sweeps); the others are campaigns. */
  httpSteps: ReadonlySet<string>;
  /** Each campaign's recent delivery rate (per second), measured by the writer. */
  deliveryRates: ReadonlyMap<string, number>;
  /** Names of the `fault` steps (a dispatcher restart under way while active). */
  faultSteps?: ReadonlySet<string>;
}

const NO_CONTEXT: ProgressContext = { httpEnd: null, httpSteps: new Set(), deliveryRates: new Map() };

/** The scenario facts the progress line needs: when HTTP traffic ends and which steps send it. */
export function progressContextOf(scenario: Frozen<Scenario>): Omit<ProgressContext, 'deliveryRates'> {
  let end: number | null = null;
  const httpSteps = new Set<string>();
  const faultSteps = new Set<string>();
  for (const step of scenario.load) {
    const until = step.phases
      ? step.phases.delay + step.phases.stages.reduce((s, st) => s + st.duration, 0)
      : step.sweep
        ? step.sweep.delay + step.sweep.concurrency.length * step.sweep.duration
        : null;
    const name = step.phases?.name ?? step.sweep?.name;
    if (name) httpSteps.add(name);
    if (step.fault?.name) faultSteps.add(step.fault.name);
    if (until !== null) end = Math.max(end ?? 0, until);
  }
  return { httpEnd: end, httpSteps, faultSteps };
}

/**
 * The expected end of the run, ms from now: the later of the last HTTP phase's end and each
 * campaign's backlog divided by its recent delivery rate. Null while a campaign has a backlog but
 * no measured rate yet (then the deadline is the only bound there is).
 */
export function estimateRemaining(p: RunProgress, ctx: ProgressContext): number | null {
  let remaining = ctx.httpEnd === null ? 0 : Math.max(0, ctx.httpEnd - p.elapsed);
  const campaignSteps = p.steps.filter((s) => !ctx.httpSteps.has(s));
  for (const name of campaignSteps) {
    const c = p.campaigns.find((x) => x.name === name);
    if (!c || c.accepted === 0) return null;
    if (c.backlog === 0) continue;
    const rate = ctx.deliveryRates.get(name) ?? 0;
    if (rate <= 0) return null;
    remaining = Math.max(remaining, (c.backlog / rate) * 1000);
  }
  return remaining;
}

const seconds = (ms: number) => formatDuration(Math.max(0, Math.round(ms / 1000)) * 1000);

/**
 * Renders one progress line: elapsed, then what each active step is doing (an HTTP phase
 * sending at its achieved/intended rate with its p95; a campaign draining its backlog at its
 * delivery rate), errors, drops, each provider's rate against its limit, and the ETA to the end
 * of the run (not to a deadline; `≤` the deadline when no delivery rate is known yet).
 */
export function renderProgress(p: RunProgress, ctx: ProgressContext = NO_CONTEXT, paint: Paint = painter(false)): string {
  const parts: string[] = [paint('dim', `[${seconds(p.elapsed)}]`)];
  const s = p.http.lastSecond;
  const sending = p.steps.filter((n) => ctx.httpSteps.has(n) || !p.campaigns.some((c) => c.name === n));
  for (const name of p.steps) {
    const c = p.campaigns.find((x) => x.name === name);
    if (ctx.faultSteps?.has(name)) {
      parts.push(`${name}: restarting the dispatcher`);
    } else if (c && !ctx.httpSteps.has(name)) {
      const rate = ctx.deliveryRates.get(name);
      const at = rate && rate > 0 ? ` at ${Math.round(rate)}/s` : '';
      parts.push(
        `${name}: ${c.accepted === 0 ? 'starting' : `draining, ${c.delivered}/${c.accepted} delivered, backlog ${c.backlog}${at}`}`,
      );
    } else if (sending.includes(name)) {
      const rate =
        s && (s.intended > 0 || s.sent > 0) ? ` ${s.sent}/${s.intended}/s, p95 ${s.p95 === null ? '-' : `${Math.round(s.p95)}ms`}` : '';
      parts.push(`${name}: sending${rate}`);
    } else parts.push(`${name}: waiting to start`);
  }
  if (p.steps.length === 0) parts.push('settling: waiting for the last deliveries');
  if (p.http.sent > 0) {
    const errors = `errors ${p.http.errors}`;
    parts.push(p.http.errors > 0 ? paint('red', errors) : errors, `timeouts ${p.http.timeouts}`);
  }
  if (p.http.dropped > 0) parts.push(paint('yellow', `dropped ${p.http.dropped}`));
  for (const v of p.providers)
    parts.push(`${v.name} ${v.admitted}/${v.limit ?? '-'}/s${v.rejected > 0 ? paint('red', ` (${v.rejected} rejected)`) : ''}`);
  const remaining = estimateRemaining(p, ctx);
  if (remaining !== null && p.steps.length > 0) parts.push(paint('bold', `ETA ${seconds(remaining)}`));
  else if (p.planned !== null && p.steps.length > 0) parts.push(`ETA ≤ ${seconds(p.planned - p.elapsed)} (deadline)`);
  return parts.join('  ');
}

/** Options of {@link createProgressWriter}. */
export interface ProgressOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** The scenario facts for "what it is doing" and the ETA ({@link progressContextOf}). */
  context?: Omit<ProgressContext, 'deliveryRates'>;
  /** Plain lines when not a TTY: one every this many ms (default 5000). */
  every?: number;
}

/** Delivery rates over the last few seconds, per campaign. */
function deliveryRateTracker(windowMs = 5000) {
  const history = new Map<string, { t: number; delivered: number }[]>();
  return (p: RunProgress): Map<string, number> => {
    const rates = new Map<string, number>();
    for (const c of p.campaigns) {
      const h = history.get(c.name) ?? [];
      h.push({ t: p.elapsed, delivered: c.delivered });
      while (h.length > 2 && (h[0] as { t: number }).t < p.elapsed - windowMs) h.shift();
      history.set(c.name, h);
      const first = h[0];
      if (first && p.elapsed > first.t) rates.set(c.name, ((c.delivered - first.delivered) * 1000) / (p.elapsed - first.t));
    }
    return rates;
  };
}

/**
 * Writes progress: redrawn in place on a TTY (coloured unless NO_COLOR), a plain line every
 * `every` ms otherwise (coloured only with FORCE_COLOR).
 */
export function createProgressWriter(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, options: ProgressOptions = {}) {
  const every = options.every ?? 5000;
  const paint = painter(colourEnabled(stream, options.env ?? {}));
  const rates = deliveryRateTracker();
  const base = options.context ?? { httpEnd: null, httpSteps: new Set<string>() };
  let lastPlain = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(p: RunProgress) {
      const line = renderProgress(p, { ...base, deliveryRates: rates(p) }, paint);
      if (stream.isTTY) {
        // A terminal that reports no size (0 columns, e.g. `script` without one) gets the default width.
        const width = stream.columns || 120;
        // Cut by visible width: colour codes do not take columns.
        stream.write(`\r\x1b[2K${fitWidth(line, width - 1)}`);
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

/** Cuts a line to `width` visible characters, keeping ANSI colour codes intact and reset. */
function fitWidth(line: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const code = /^\x1b\[[0-9;]*m/.exec(line.slice(i));
    if (code) {
      out += code[0];
      i += code[0].length - 1;
      continue;
    }
    if (visible >= width) return out.includes('\x1b') ? `${out}\x1b[0m` : out;
    out += line[i];
    visible++;
  }
  return out;
}
