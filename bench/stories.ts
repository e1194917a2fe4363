/**
 * stories:full — every story at full size on this machine, the reference dispatcher and each
 * story's incident replica (examples/incidents/), with the figures that say what happened:
 *
 *   npm run stories:full                        every story, reference and replica, one at a time
 *   npm run stories:full -- --only story3       one story (repeatable: --only story1 --only story5)
 *   npm run stories:full -- --role reference    only the reference runs (or: replica)
 *   npm run stories:full -- --scale 0.01       a quick look at the script itself: written to
 *                                               reports/bench/stories-scaled.json, never the record
 *   npm run stories:full -- --jobs 4            up to 4 runs at once (a CPU-bound run, story 4,
 *                                               always runs alone); the record says what ran beside what
 *
 * Not part of CI: stories 1 and 3 take about 40 minutes each. Each run is `floodgate run` as a user
 * runs it (`bin/floodgate.js`, its exit code and result.json); a replica is started the way its
 * README says (a long-lived `floodgate mock` and the replica given `--target`), or by the scenario
 * itself (story 4's `system.dispatcher.command`, which the scenario restarts). A replica runs with
 * `--fail-fast`, so it stops at its first definite FAIL (a duplicate delivery) instead of tracking a
 * campaign that cannot pass for the rest of its deadline.
 *
 * Writes reports/bench/stories.json (kept in git: the README quotes it), merging: a story or role
 * not run keeps its earlier entry. Per run: verdict and exit code, the FAIL reasons, wall time, each
 * campaign's drain time, delivered/lost/duplicated, the achieved rate as a share of its provider's
 * limit, lateness where the campaign has due times, the run's validity, and the peak RSS (VmHWM from
 * /proc) of the runner, of the embedded system (mocks and, unless it runs apart, the dispatcher), of
 * each dispatcher process, of the replica and of the long-lived mock. Only processes this script
 * started (and their children) are read or stopped, by pid; everything listens on 127.0.0.1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FLOODGATE = join(ROOT, 'bin/floodgate.js');
const PYTHON = '/usr/bin/python3';
/** A run that has not ended by then is stopped (SIGTERM, then SIGKILL) and recorded as such. */
const RUN_LIMIT_MS = Number(process.env.STORIES_RUN_LIMIT_MINUTES ?? 75) * 60_000;

type Role = 'reference' | 'replica';

/** How a replica is started: beside a long-lived mock (`--target`), or by the scenario itself. */
type ReplicaStart =
  | { kind: 'target'; mocks: string | null; provider: string; command: (providerUrl: string, mockOrigin: string) => string[] }
  | { kind: 'scenario' };

interface Story {
  id: string;
  title: string;
  /** What floodgate must say about the replica: the check ids whose FAIL is the story's reason (any one). */
  reason: string[];
  reference: string;
  replica: { scenario: string; start: ReplicaStart; heavy?: boolean };
  /** CPU-bound at full size: runs alone, whatever --jobs says. */
  heavy?: boolean;
}

const STORIES: Story[] = [
  {
    id: 'story1',
    title: 'morning mail, 30,000 on one SES account (OOM at 256 MB)',
    reason: ['campaign.morning-mail.lost', 'campaign.morning-mail.accepted', 'projected.dispatcher.heap.max', 'dispatcher.heap.max'],
    reference: 'scenarios/mail-morning-30k.yaml',
    replica: {
      scenario: 'examples/incidents/story1-load-everything/scenario.yaml',
      start: {
        kind: 'target',
        mocks: null,
        provider: 'ses',
        command: (_url, origin) => [
          process.execPath,
          '--max-old-space-size=256',
          'examples/incidents/story1-load-everything/dispatcher.mjs',
          '--mocks',
          origin,
          '--tps',
          '1000',
          '--port',
          '0',
        ],
      },
    },
  },
  {
    id: 'story2',
    title: '1,000,000 point accruals, at-least-once (duplicates)',
    reason: ['provider.points.duplicates', 'campaign.accrual.duplicated'],
    reference: 'scenarios/point-accrual-1m.yaml',
    replica: {
      scenario: 'scenarios/point-accrual-1m.yaml',
      start: {
        kind: 'target',
        mocks: 'examples/incidents/story2-at-least-once-accrual/mocks.yaml',
        provider: 'points',
        command: (url) => [PYTHON, 'examples/incidents/story2-at-least-once-accrual/dispatcher.py', '--provider-url', url, '--port', '0'],
      },
    },
  },
  {
    id: 'story3',
    title: '420,000 Alimtalk at 200/s (re-send storm)',
    reason: ['provider.alimtalk.duplicates', 'campaign.welcome.duplicated'],
    reference: 'scenarios/alimtalk-420k.yaml',
    replica: {
      scenario: 'scenarios/alimtalk-420k.yaml',
      start: {
        kind: 'target',
        mocks: 'examples/incidents/story3-resend-every-second/mocks.yaml',
        provider: 'alimtalk',
        command: (url) => [PYTHON, 'examples/incidents/story3-resend-every-second/dispatcher.py', '--provider-url', url, '--port', '0'],
      },
    },
  },
  {
    id: 'story4',
    title: '1,000,000 pushes due in one minute, restart mid-drain',
    reason: ['campaign.due-this-minute.lost', 'campaign.due-this-minute.early', 'campaign.due-this-minute.lateness.p99'],
    reference: 'scenarios/spurt-1m-due.yaml',
    replica: { scenario: 'examples/incidents/story4-minute-cron/scenario.yaml', start: { kind: 'scenario' }, heavy: true },
    heavy: true,
  },
  {
    id: 'story5',
    title: '100,000 FCM pushes in 10 minutes (unbounded async queue)',
    reason: ['campaign.promotion.lost'],
    reference: 'scenarios/fcm-100k.yaml',
    replica: {
      scenario: 'scenarios/fcm-100k.yaml',
      start: {
        kind: 'target',
        mocks: 'examples/incidents/story5-unbounded-async/mocks.yaml',
        provider: 'fcm',
        command: (url) => [PYTHON, 'examples/incidents/story5-unbounded-async/dispatcher.py', '--provider-url', url, '--port', '0'],
      },
    },
  },
];

interface Job {
  story: Story;
  role: Role;
  heavy: boolean;
}

/** Peak RSS per process this script can see, bytes (VmHWM is the kernel's own high-water mark). */
class PeakRss {
  private readonly peaks = new Map<number, { role: string; bytes: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly roots: () => { pid: number; role: string }[]) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }

  /** The largest peak per role, MB (one decimal). */
  byRole(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const { role, bytes } of this.peaks.values()) out[role] = Math.max(out[role] ?? 0, Math.round((bytes / 2 ** 20) * 10) / 10);
    return out;
  }

  private sample(): void {
    const children = childrenByParent();
    const visit = (pid: number, role: string, root: boolean) => {
      const cmd = cmdline(pid);
      if (cmd === null) return;
      // A root's role is what this script started it as; a descendant's is read from its command.
      const own = root ? role : classify(cmd, role);
      const hwm = vmHwm(pid);
      if (hwm !== null) {
        const prev = this.peaks.get(pid);
        this.peaks.set(pid, { role: own, bytes: Math.max(prev?.bytes ?? 0, hwm) });
      }
      for (const child of children.get(pid) ?? []) visit(child, own === 'runner' ? 'system' : own, false);
    };
    for (const root of this.roots()) visit(root.pid, root.role, true);
  }
}

/** What a process is, from its command line (a child of the runner is the embedded system unless it says otherwise). */
function classify(cmd: string, inherited: string): string {
  if (/dispatcher\/main\.ts/.test(cmd)) return 'dispatcher';
  if (/embedded-main\.ts/.test(cmd)) return 'system';
  if (/incidents\//.test(cmd) && !/floodgate\.js/.test(cmd)) return 'replica';
  return inherited;
}

function childrenByParent(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = map.get(ppid) ?? [];
      list.push(Number(name));
      map.set(ppid, list);
    } catch {
      // gone between readdir and read
    }
  }
  return map;
}

function cmdline(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return null;
  }
}

function vmHwm(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

interface Proc {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function start(command: string, args: string[], log?: string): Proc {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, FLOODGATE_MOCK_TOKEN: '', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const keep = (d: Buffer) => {
    text += d.toString();
    if (text.length > 2_000_000) text = text.slice(-1_000_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      if (log) writeFileSync(log, text);
      resolve(code);
    }),
  );
  return { child, out: () => text, exited };
}

/** SIGTERM by pid, SIGKILL after 10 s. */
async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null || p.child.pid === undefined) return;
  process.kill(p.child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (p.child.exitCode === null && p.child.signalCode === null && p.child.pid) process.kill(p.child.pid, 'SIGKILL');
  }, 10_000);
  await p.exited;
  clearTimeout(timer);
}

async function ready(p: Proc, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(p.out());
    if (m) return m;
    if (p.child.exitCode !== null) throw new Error(`${what} exited (${p.child.exitCode}) before it was ready:\n${p.out().slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface ResultFile {
  meta: { duration: number; scale: number; gitCommit: string | null };
  validity: { verdict: string; reasons: string[] };
  verdict: { status: string; exitCode: number; reasons: string[] };
  generator: { eventLoopLagP99: number | null };
  providers: Record<
    string,
    {
      limitPerSecond: number | null;
      admitted: number;
      rejected: number;
      maxPerSecondWindow: number;
      duplicates: number;
      quotaPaused?: unknown;
    }
  >;
  campaigns: {
    name: string;
    provider: string;
    requested: number;
    accepted: number;
    delivered: number;
    lost: number;
    duplicated: number;
    drainTime: number | null;
    deadline: number | null;
    completion: { p50: number | null; p95: number | null; p100: number | null };
    stoppedEarly?: string;
    lateness?: { p50: number | null; p95: number | null; p99: number | null; max: number | null; early: number; reached: number };
  }[];
  phases?: { name: string; provider: string; sent: number; accepted: number; delivered: number; lost: number; duplicated: number }[];
  faults?: { name: string; signal: string; downtime: number | null; error: string | null }[];
  thresholds: { metric: string; expression: string; actual: number | null; ok: boolean }[];
}

/**
 * The pace the scenario sets for the reference dispatcher's account (`system.dispatcherConfig.providers.<p>.tps`,
 * a number), where it is below the provider's own limit: story 5 paces FCM at 166.67/s, a fixed pool's rate.
 */
function scenarioPaces(file: string): Record<string, number> {
  try {
    const doc = parseYaml(readFileSync(join(ROOT, file), 'utf8')) as {
      system?: { dispatcherConfig?: { providers?: Record<string, { tps?: unknown }> } };
    };
    const out: Record<string, number> = {};
    for (const [name, p] of Object.entries(doc.system?.dispatcherConfig?.providers ?? {}))
      if (typeof p?.tps === 'number') out[name] = p.tps;
    return out;
  } catch {
    return {};
  }
}

/** One run's figures for the record (`paces`: the scenario's own pace per provider, for the reference). */
function figures(result: ResultFile, paces: Record<string, number>) {
  return {
    verdict: result.verdict.status.toUpperCase(),
    validity: result.validity.verdict,
    validityReasons: result.validity.reasons,
    wallSeconds: Math.round(result.meta.duration / 100) / 10,
    generatorLoopLagP99Ms: result.generator.eventLoopLagP99,
    campaigns: result.campaigns.map((c) => {
      const providerLimit = result.providers[c.provider]?.limitPerSecond ?? null;
      const pace = paces[c.provider];
      const limit = pace !== undefined && (providerLimit === null || pace < providerLimit) ? pace : providerLimit;
      const drainS = c.drainTime === null ? null : c.drainTime / 1000;
      // A campaign whose recipients were all due at one instant drains from that instant, not from its start.
      const sendingS = c.lateness?.max != null && c.lateness.max > 0 ? c.lateness.max / 1000 : drainS;
      const rate = drainS !== null && sendingS && sendingS > 0 ? c.delivered / sendingS : null;
      return {
        name: c.name,
        provider: c.provider,
        requested: c.requested,
        accepted: c.accepted,
        delivered: c.delivered,
        lost: c.lost,
        duplicated: c.duplicated,
        drainSeconds: drainS === null ? null : Math.round(drainS * 10) / 10,
        deadlineSeconds: c.deadline === null ? null : c.deadline / 1000,
        limitPerSecond: limit,
        limitIs: pace !== undefined && limit === pace ? "the scenario's pace for the dispatcher" : "the provider's limit",
        achievedPerSecond: rate === null ? null : Math.round(rate * 10) / 10,
        achievedOverLimit: rate !== null && limit ? Math.round((rate / limit) * 1000) / 1000 : null,
        ...(c.stoppedEarly ? { stoppedEarly: c.stoppedEarly } : {}),
        ...(c.lateness
          ? {
              lateness: {
                p50Seconds: sec(c.lateness.p50),
                p95Seconds: sec(c.lateness.p95),
                p99Seconds: sec(c.lateness.p99),
                maxSeconds: sec(c.lateness.max),
                early: c.lateness.early,
              },
            }
          : {}),
      };
    }),
    phases: result.phases ?? [],
    providers: Object.fromEntries(
      Object.entries(result.providers).map(([name, p]) => [
        name,
        {
          limitPerSecond: p.limitPerSecond,
          admitted: p.admitted,
          rejected: p.rejected,
          maxPerSecondWindow: p.maxPerSecondWindow,
          duplicates: p.duplicates,
        },
      ]),
    ),
    faults: result.faults ?? [],
    failedThresholds: result.thresholds.filter((t) => !t.ok).map((t) => `${t.metric}: ${t.expression} (actual ${t.actual})`),
  };
}

function sec(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms / 100) / 10;
}

/** Runs one job to its end and returns its record entry. */
async function runJob(job: Job, concurrentWith: () => string[]): Promise<Record<string, unknown>> {
  const { story, role } = job;
  const key = `${story.id}-${role}`;
  const outDir = join(RUNS_DIR, key);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const helpers: Proc[] = [];
  const roots: { pid: number; role: string }[] = [];
  const peak = new PeakRss(() => roots);
  const began = Date.now();
  const marker = join(RUNS_DIR, '.running', key);
  writeFileSync(marker, `${process.pid}\n`);
  const beside = new Set<string>();
  const watch = setInterval(() => {
    for (const k of concurrentWith()) if (k !== key) beside.add(k);
  }, 5000);
  for (const k of concurrentWith()) if (k !== key) beside.add(k);
  try {
    const args = ['run', role === 'reference' ? story.reference : story.replica.scenario, '--out', outDir];
    if (SCALE !== 1) args.push('--scale', String(SCALE));
    if (role === 'replica') {
      args.push('--fail-fast');
      const how = story.replica.start;
      if (how.kind === 'target') {
        const mockArgs = [FLOODGATE, 'mock', '--port', '0', ...(how.mocks ? ['--config', how.mocks] : [])];
        const mock = start(process.execPath, mockArgs, join(outDir, 'mock.log'));
        helpers.push(mock);
        roots.push({ pid: mock.child.pid as number, role: 'mock' });
        const m = await ready(
          mock,
          new RegExp(`^${how.provider}\\s+(http://\\S+)\\s+\\(\\w+\\)\\n(?:.*\\n)*?admin\\s+(http://\\S+)/__mock\\b`, 'm'),
          'floodgate mock',
        );
        const providerUrl = m[1] as string;
        const origin = (m[2] as string).replace(/\/+$/, '');
        const [cmd, ...rest] = how.command(providerUrl, origin);
        const replica = start(cmd as string, rest, join(outDir, 'replica.log'));
        helpers.unshift(replica);
        roots.push({ pid: replica.child.pid as number, role: 'replica' });
        const target = (await ready(replica, /listening on (http:\/\/\S+)/, `${story.id} replica`))[1] as string;
        args.push('--target', target, '--mocks', origin);
      }
    }
    const run = start(process.execPath, [FLOODGATE, ...args], join(outDir, 'floodgate.log'));
    roots.unshift({ pid: run.child.pid as number, role: 'runner' });
    peak.start();
    log(`${key}: floodgate ${args.join(' ')}`);
    const limit = setTimeout(() => void stop(run), RUN_LIMIT_MS);
    const code = await run.exited;
    clearTimeout(limit);
    peak.stop();
    const resultPath = join(outDir, 'result.json');
    const result = existsSync(resultPath) ? (JSON.parse(readFileSync(resultPath, 'utf8')) as ResultFile) : null;
    const said = run.out();
    const failLines = [...said.matchAll(/^\s*FAIL (\S+?):.*$/gm)].map((m) => m[0].trim());
    const failedIds = [...said.matchAll(/^\s*FAIL (\S+?):/gm)].map((m) => m[1] as string);
    const entry = {
      story: story.id,
      title: story.title,
      role,
      scenario: args[1],
      command: `floodgate ${args.map((a) => (a.startsWith(ROOT) ? a.slice(ROOT.length) : a)).join(' ')}`,
      exitCode: code,
      startedAt: new Date(began).toISOString(),
      elapsedSeconds: Math.round((Date.now() - began) / 1000),
      ranBeside: [...beside].sort(),
      ...(result
        ? figures(result, role === 'reference' ? scenarioPaces(args[1] as string) : {})
        : { verdict: 'NO RESULT', output: said.slice(-3000) }),
      failLines,
      ...(role === 'replica' ? { storyReason: story.reason, failedForStoryReason: failedIds.some((id) => story.reason.includes(id)) } : {}),
      peakRssMB: peak.byRole(),
    };
    log(`${key}: exit ${code}, ${entry.verdict}${failLines.length > 0 ? `: ${failLines.slice(0, 3).join(' | ')}` : ''}`);
    return entry;
  } finally {
    rmSync(marker, { force: true });
    clearInterval(watch);
    for (const h of helpers) await stop(h);
  }
}

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

function machine() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

function gitCommit(): string | null {
  try {
    const head = readFileSync(join(ROOT, '.git/HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice(5);
    const loose = join(ROOT, '.git', ref);
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
    const packed = readFileSync(join(ROOT, '.git/packed-refs'), 'utf8');
    return (
      packed
        .split('\n')
        .find((l) => l.endsWith(` ${ref}`))
        ?.split(' ')[0] ?? null
    );
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      role: { type: 'string' },
      jobs: { type: 'string', default: '1' },
      scale: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]}*/\n`);
    return;
  }
  const known = STORIES.map((s) => s.id);
  const unknown = (values.only ?? []).filter((id) => !known.includes(id));
  if (unknown.length > 0) {
    process.stderr.write(`stories:full: unknown story ${unknown.join(', ')} (known: ${known.join(', ')})\n`);
    process.exit(4);
  }
  if (values.role && values.role !== 'reference' && values.role !== 'replica') {
    process.stderr.write(`stories:full: --role is reference or replica, not ${values.role}\n`);
    process.exit(4);
  }
  const jobs = Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) {
    process.stderr.write(`stories:full: --jobs is a whole number >= 1, not ${values.jobs}\n`);
    process.exit(4);
  }
  const scale = Number(values.scale);
  if (!(scale > 0 && scale <= 1)) {
    process.stderr.write(`stories:full: --scale is above 0 and at most 1, not ${values.scale}\n`);
    process.exit(4);
  }
  SCALE = scale;
  OUT_FILE = join(ROOT, scale === 1 ? 'reports/bench/stories.json' : 'reports/bench/stories-scaled.json');
  RUNS_DIR = join(ROOT, scale === 1 ? 'reports/bench/stories' : 'reports/bench/stories-scaled');
  const chosen = STORIES.filter((s) => !values.only || values.only.includes(s.id));
  const roles: Role[] = values.role ? [values.role as Role] : ['reference', 'replica'];
  const all: Job[] = chosen.flatMap((story) =>
    roles.map((role) => ({ story, role, heavy: role === 'reference' ? story.heavy === true : story.replica.heavy === true })),
  );
  // The light runs first, side by side when --jobs allows; each CPU-bound run after them, alone.
  const queue = [...all.filter((j) => !j.heavy), ...all.filter((j) => j.heavy)];
  mkdirSync(RUNS_DIR, { recursive: true });
  const record = existsSync(OUT_FILE)
    ? (JSON.parse(readFileSync(OUT_FILE, 'utf8')) as { runs: Record<string, unknown> })
    : { runs: {} as Record<string, unknown> };
  // Re-read before each write: another stories:full may be running beside this one (--only another story).
  const mine = new Set<string>();
  const save = () => {
    const current = existsSync(OUT_FILE) ? (JSON.parse(readFileSync(OUT_FILE, 'utf8')) as { runs: Record<string, unknown> }).runs : {};
    for (const k of mine) current[k] = record.runs[k];
    record.runs = current;
    const out = {
      generatedBy: 'npm run stories:full',
      scale: SCALE,
      updatedAt: new Date().toISOString(),
      gitCommit: gitCommit(),
      machine: machine(),
      runs: record.runs,
    };
    writeFileSync(OUT_FILE, `${JSON.stringify(out, null, 2)}\n`);
  };
  const running = new Map<string, Promise<void>>();
  // What runs now, here or in another stories:full on this machine: a marker file per run.
  const markers = join(RUNS_DIR, '.running');
  mkdirSync(markers, { recursive: true });
  for (const name of readdirSync(markers)) {
    // A marker left by a stories:full that was killed is not a run.
    const pid = Number(readFileSync(join(markers, name), 'utf8'));
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(join(markers, name), { force: true });
    }
  }
  const besideNow = () => readdirSync(markers);
  const keyOf = (j: Job) => `${j.story.id}-${j.role}`;
  log(`${queue.length} run(s), up to ${jobs} at once; load average ${loadavg()[0]?.toFixed(2)}`);
  while (queue.length > 0 || running.size > 0) {
    const next = queue[0];
    const aloneRunning = [...running.keys()].some((k) => heavyKeys.has(k));
    const canStart = next !== undefined && running.size < jobs && !aloneRunning && (!next.heavy || running.size === 0);
    if (canStart) {
      queue.shift();
      const key = keyOf(next);
      if (next.heavy) heavyKeys.add(key);
      running.set(
        key,
        runJob(next, besideNow)
          .then((entry) => {
            record.runs[key] = entry;
            mine.add(key);
            save();
          })
          .catch((error: Error) => {
            record.runs[key] = { story: next.story.id, role: next.role, verdict: 'ERROR', error: error.message.slice(0, 2000) };
            mine.add(key);
            save();
            log(`${key}: ${error.message.split('\n')[0]}`);
          })
          .finally(() => {
            running.delete(key);
            heavyKeys.delete(key);
          }),
      );
      continue;
    }
    await Promise.race(running.values());
  }
  log(`wrote ${OUT_FILE.slice(ROOT.length)}`);
}

const heavyKeys = new Set<string>();
let SCALE = 1;
let OUT_FILE = '';
let RUNS_DIR = '';

await main();
