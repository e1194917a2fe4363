import type { Result } from '../core/index.ts';
import { formatCount, formatPercent } from '../core/index.ts';
import { buildVerdict, type Comparison } from '../gate/index.ts';
import { describeThreshold } from './quantities.ts';

/** Escapes text for XML attributes and content; drops characters XML 1.0 cannot carry. */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

interface Case {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  message: string;
  /** Seconds of the run the case judges. */
  seconds: number;
}

/** Where a suite ran and for how long: the same run for every suite. */
interface SuiteContext {
  timestamp: string;
  hostname: string;
  seconds: number;
}

/**
 * Seconds of the run a threshold or check judges, so CI test tabs show a real duration: a
 * campaign's drain time, the span of the HTTP traffic, a provider's busy span, else the run.
 */
export function judgedSeconds(result: Result, subject: string): number {
  const run = result.meta.duration / 1000;
  const [root, name] = subject.split('.');
  if (root === 'campaign') {
    const named = result.campaigns.filter((c) => c.name === name);
    const campaigns = named.length > 0 ? named : result.campaigns;
    const drains = campaigns.map((c) => c.drainTime);
    if (drains.length === 0 || drains.some((d) => d === null)) return run;
    return Math.max(...(drains as number[])) / 1000;
  }
  if (root === 'http') return spanSeconds(result.timeline.filter((s) => s.sent > 0 || s.completed > 0)) ?? run;
  if (root === 'provider' && name !== undefined && result.providers[name])
    return spanSeconds((result.providers[name]?.perSecond ?? []).filter((s) => s.admitted + s.rejected > 0)) ?? run;
  return run;
}

function spanSeconds(seconds: readonly { t: number }[]): number | null {
  const first = seconds[0];
  const last = seconds[seconds.length - 1];
  return first && last ? (last.t - first.t) / 1000 + 1 : null;
}

function renderSuite(name: string, cases: readonly Case[], ctx: SuiteContext): string {
  const failures = cases.filter((c) => c.status === 'fail').length;
  const skipped = cases.filter((c) => c.status === 'skip').length;
  const body = cases.map((c) => {
    const open = `    <testcase classname="${escapeXml(name)}" name="${escapeXml(c.name)}" time="${c.seconds.toFixed(3)}"`;
    if (c.status === 'pass') return `${open}>\n      <system-out>${escapeXml(c.message)}</system-out>\n    </testcase>`;
    if (c.status === 'skip') return `${open}>\n      <skipped message="${escapeXml(c.message)}"/>\n    </testcase>`;
    return `${open}>\n      <failure message="${escapeXml(c.message)}" type="${escapeXml(name)}">${escapeXml(c.message)}</failure>\n    </testcase>`;
  });
  return [
    `  <testsuite name="${escapeXml(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${ctx.seconds.toFixed(3)}" timestamp="${escapeXml(ctx.timestamp)}" hostname="${escapeXml(ctx.hostname)}">`,
    ...body,
    '  </testsuite>',
  ].join('\n');
}

/**
 * JUnit XML for CI test tabs: one suite of thresholds, one of correctness checks (duplicates,
 * lost, sliding window over the limit, rejections, validity), and one of baseline comparisons
 * when a baseline was given. Failures carry the gate's message.
 */
export function renderJunit(result: Result, comparison: Comparison | null = null): string {
  const verdict = buildVerdict(result, comparison);
  const ts: SuiteContext = {
    timestamp: result.meta.startedAt,
    hostname: result.meta.machine.hostname,
    seconds: result.meta.duration / 1000,
  };
  const run = ts.seconds;
  const suites = [
    renderSuite(
      'floodgate.thresholds',
      result.thresholds.map((t) => ({
        name: `${t.metric}: ${t.expression}`,
        status: t.ok ? 'pass' : 'fail',
        message: describeThreshold(t),
        seconds: judgedSeconds(result, t.metric),
      })),
      ts,
    ),
    renderSuite(
      'floodgate.checks',
      verdict.checks.map((c) => ({ name: c.id, status: c.status, message: c.message, seconds: judgedSeconds(result, c.id) })),
      ts,
    ),
  ];
  if (comparison) {
    const cases: Case[] = [
      ...comparison.counts.map(
        (d): Case => ({
          name: `baseline ${d.metric}`,
          status: d.regressed ? 'fail' : 'pass',
          message: `${d.metric}: ${d.baseline === null ? '-' : formatCount(d.baseline)} -> ${formatCount(d.candidate)}`,
          seconds: run,
        }),
      ),
      ...comparison.efficiency.map(
        (e): Case => ({
          name: `baseline ${e.metric}`,
          status: e.regressed ? 'fail' : 'pass',
          message: `${e.metric}: ${formatPercent(e.baseline, 1)} -> ${formatPercent(e.candidate, 1)}`,
          seconds: run,
        }),
      ),
    ];
    const l = comparison.latency;
    if (l) {
      const reason = comparison.reasons.find((r) => r.startsWith(l.metric));
      cases.push({
        name: `baseline ${l.metric}`,
        status: l.regressed ? 'fail' : 'pass',
        message: reason ?? `${l.metric}: ratio ${l.ratio.estimate.toFixed(3)}, p=${l.test.p.toPrecision(3)}`,
        seconds: run,
      });
    }
    suites.push(renderSuite('floodgate.baseline', cases, ts));
  }
  const all = suites.join('\n');
  const tests = (all.match(/<testcase /g) ?? []).length;
  const failures = (all.match(/<failure /g) ?? []).length;
  const seconds = run.toFixed(3);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${escapeXml(`floodgate ${result.meta.scenario.name}`)}" tests="${tests}" failures="${failures}" errors="0" time="${seconds}">\n${all}\n</testsuites>\n`;
}
