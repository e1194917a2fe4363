import { stringify } from 'yaml';
import {
  type CampaignStep,
  type Frozen,
  type PhasesStep,
  type RateValue,
  SCENARIO_DEFAULTS,
  type Scenario,
  type SweepStep,
} from '../config/index.ts';
import { K6_RUNTIME } from './k6-runtime.ts';
import { toK6Thresholds } from './k6-thresholds.ts';

/** What the export needs besides the scenario. */
export interface K6ExportOptions {
  /** The scenario file as given on the command line, for the header. */
  file: string;
  /** The floodgate version that wrote the script. */
  toolVersion: string;
}

type K6Scenario = Record<string, unknown>;
interface K6Step {
  name: string;
  templates: { name: string; weight: number; method: string; path: string; headers: Record<string, string>; body?: unknown }[];
  recipients: { count: number; pattern: string };
  timeout: string;
  /** A tracked phase's recipient pattern: `{{tracked}}` is its `{n}` over the test's iterations. */
  tracked?: string;
}

const DEFAULT_POOL = { count: 1000, pattern: 'user-{n}' };

/** k6 durations: whole seconds as `30s`, anything else in ms (`1500ms`); k6 parses both. */
export function toK6Duration(ms: number): string {
  const rounded = Math.max(0, Math.round(ms));
  return rounded % 1000 === 0 ? `${rounded / 1000}s` : `${rounded}ms`;
}

function rate(value: RateValue | undefined): number {
  if (typeof value !== 'number') throw new Error('a plan reference was not resolved before the export');
  return value;
}

/**
 * A phase's stages as k6 `ramping-arrival-rate` stages. k6 ramps linearly from the previous
 * target to each stage's target, so floodgate's `{rate, rampTo}` becomes one stage to `rampTo`,
 * a constant `{rate}` one stage holding `rate`, and a stage whose `rate` differs from where the
 * previous one ended gets a 0 s stage first (a jump). k6 takes whole iterations per `timeUnit`:
 * rates with fractions are written per minute (93.75/s = 5625/min), rounded to whole ones.
 */
export function toArrivalStages(stages: Frozen<PhasesStep['stages']>): {
  startRate: number;
  timeUnit: string;
  stages: { duration: string; target: number }[];
} {
  const rates = stages.flatMap((s) => [rate(s.rate), ...(s.rampTo === undefined ? [] : [rate(s.rampTo)])]);
  const perMinute = rates.some((r) => !Number.isInteger(r));
  const unit = (r: number) => (perMinute ? Math.round(r * 60) : r);
  const startRate = unit(rate(stages[0]?.rate));
  let current = startRate;
  const out: { duration: string; target: number }[] = [];
  for (const stage of stages) {
    const from = unit(rate(stage.rate));
    if (from !== current) out.push({ duration: '0s', target: from });
    const to = stage.rampTo === undefined ? from : unit(rate(stage.rampTo));
    out.push({ duration: toK6Duration(stage.duration), target: to });
    current = to;
  }
  return { startRate, timeUnit: perMinute ? '1m' : '1s', stages: out };
}

/** Little's law (L = lambda W): VUs busy = arrivals per second x seconds each takes. */
function vus(peakPerSecond: number, timeoutMs: number): { preAllocatedVUs: number; maxVUs: number } {
  // Pre-allocate for 500 ms responses; allow enough VUs for every request to run to its timeout.
  const preAllocatedVUs = Math.max(10, Math.ceil(peakPerSecond * 0.5));
  return { preAllocatedVUs, maxVUs: Math.max(preAllocatedVUs, Math.ceil(peakPerSecond * (timeoutMs / 1000))) };
}

function phasesStep(p: Frozen<PhasesStep>, requestTimeout: number): K6Step {
  const templates = p.templates
    ? p.templates.map((t, i) => ({
        name: t.name ?? `${t.method} ${t.path}`,
        weight: t.weight,
        method: t.method,
        path: t.path,
        headers: { ...t.headers },
        ...(t.body === undefined ? {} : { body: t.body }),
        index: i,
      }))
    : [
        {
          name: `${p.target?.method} ${p.target?.path}`,
          weight: 1,
          method: p.target?.method ?? 'GET',
          path: p.target?.path ?? '/',
          headers: { ...(p.headers ?? {}) },
          ...(p.body === undefined ? {} : { body: p.body }),
        },
      ];
  return {
    name: p.name ?? 'phases',
    templates: templates.map(({ index: _i, ...t }: { index?: number } & K6Step['templates'][number]) => t),
    recipients: { ...(p.recipients ?? DEFAULT_POOL) },
    timeout: toK6Duration(p.timeout ?? requestTimeout),
    ...(p.track ? { tracked: p.track.pattern ?? `${p.name ?? 'phases'}-{n}@tracked.test` } : {}),
  };
}

/** Fills a campaign's start request with its own values now; generated fields stay for the script. */
function campaignStep(c: Frozen<CampaignStep>, requestTimeout: number): K6Step {
  const vars: Record<string, unknown> = {
    channel: c.channel,
    provider: c.provider,
    template: c.template,
    params: c.params,
    count: c.recipients,
    pattern: c.pattern,
    name: c.name,
  };
  const start = c.start ?? SCENARIO_DEFAULTS.campaignStart;
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = /^\{\{\s*(\w+)\s*\}\}$/.exec(v)?.[1];
      if (whole !== undefined && whole in vars) return vars[whole];
      return v.replace(/\{\{\s*(\w+)\s*\}\}/g, (m, name: string) => (name in vars && vars[name] !== undefined ? String(vars[name]) : m));
    }
    if (Array.isArray(v)) return v.map(fill);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return {
    name: c.name ?? 'campaign',
    templates: [
      {
        name: `campaign ${c.name} start`,
        weight: 1,
        method: start.method,
        path: String(fill(start.path)),
        headers: fill(start.headers ?? {}) as Record<string, string>,
        ...(start.body === undefined ? {} : { body: fill(start.body) }),
      },
    ],
    recipients: DEFAULT_POOL,
    timeout: toK6Duration(requestTimeout),
  };
}

function sweepScenarios(s: Frozen<SweepStep>, id: string, exec: string): Record<string, K6Scenario> {
  // A closed-loop sweep: one constant-vus scenario per concurrency level, one after another.
  return Object.fromEntries(
    s.concurrency.map((c, j) => [
      `${id}_c${c}`,
      { executor: 'constant-vus', vus: c, duration: toK6Duration(s.duration), startTime: toK6Duration(s.delay + j * s.duration), exec },
    ]),
  );
}

/** Builds the k6 `options.scenarios` and the request steps they execute, one per load step. */
function buildScenarios(scenario: Frozen<Scenario>): {
  scenarios: Record<string, K6Scenario>;
  steps: Record<string, K6Step>;
  notes: string[];
} {
  const scenarios: Record<string, K6Scenario> = {};
  const steps: Record<string, K6Step> = {};
  const notes: string[] = [];
  scenario.load.forEach((step, i) => {
    const id = `step_${i + 1}`;
    if (step.phases) {
      const p = step.phases;
      const { startRate, timeUnit, stages } = toArrivalStages(p.stages);
      const peak = Math.max(...p.stages.flatMap((s) => [rate(s.rate), rate(s.rampTo ?? s.rate)]));
      steps[id] = phasesStep(p, scenario.timeouts.request);
      scenarios[id] = {
        executor: 'ramping-arrival-rate',
        startRate,
        timeUnit,
        ...vus(peak, p.timeout ?? scenario.timeouts.request),
        stages,
        ...(p.delay > 0 ? { startTime: toK6Duration(p.delay) } : {}),
        exec: 'send',
        env: { FLOODGATE_STEP: id },
        tags: { floodgate_step: p.name ?? id },
      };
      if (p.track) notes.push(`${p.name}: k6 sends each {{tracked}} message to its own recipient but does not track them to delivery`);
      if (p.arrival === 'poisson') notes.push(`${p.name}: k6 spaces arrivals evenly; floodgate's poisson arrivals are not reproduced`);
    } else if (step.sweep) {
      const s = step.sweep;
      steps[id] = phasesStep(
        { ...s, stages: [{ duration: 1, rate: 1 }], arrival: 'uniform', delay: s.delay, name: s.name },
        scenario.timeouts.request,
      );
      for (const [k, v] of Object.entries(sweepScenarios(s, id, 'send'))) {
        scenarios[k] = { ...v, env: { FLOODGATE_STEP: id }, tags: { floodgate_step: s.name ?? id } };
      }
      notes.push(`${s.name}: the sweep runs as constant-vus levels; fit the USL with \`floodgate fit\` on the per-level rates`);
    } else if (step.campaign) {
      const c = step.campaign;
      steps[id] = campaignStep(c, scenario.timeouts.request);
      // One POST, once in the whole test: a shared-iterations scenario of one iteration.
      scenarios[id] = {
        executor: 'shared-iterations',
        vus: 1,
        iterations: 1,
        maxDuration: toK6Duration(Math.max(60_000, scenario.timeouts.request * 2)),
        ...(c.delay > 0 ? { startTime: toK6Duration(c.delay) } : {}),
        exec: 'send',
        env: { FLOODGATE_STEP: id },
        tags: { floodgate_step: c.name ?? id },
      };
      notes.push(
        `${c.name}: the campaign is started once; k6 does not track its ${c.recipients} recipients (read the mock ledgers or run \`floodgate run --target\`)`,
      );
      if (c.due) {
        notes.push(
          `${c.name}: its due times are not exported (the start request carries no schedule, and k6 measures no lateness or early sends; run the scenario with floodgate run)`,
        );
      }
    } else if (step.fault) {
      notes.push(
        `${step.fault.name}: a dispatcher restart is not exported (k6 cannot restart your system; run the scenario with floodgate run)`,
      );
    }
  });
  return { scenarios, steps, notes };
}

const json = (v: unknown) => JSON.stringify(v, null, 2);

/**
 * Renders a scenario (plan references resolved, `--scale` applied) as a k6 script that
 * type-checks against @types/k6: a `ramping-arrival-rate` scenario per phase step, a one-shot
 * `shared-iterations` campaign start, `constant-vus` levels per sweep; the request templates
 * with their generated fields; thresholds mapped to k6's; `BASE_URL`, `MOCKS_URL` and
 * `FLOODGATE_TOKEN` from `__ENV`. Pure: returns the text.
 */
export function renderK6Script(scenario: Frozen<Scenario>, options: K6ExportOptions): string {
  const { scenarios, steps, notes } = buildScenarios(scenario);
  const mapped = toK6Thresholds(scenario.thresholds);
  const providers = [...new Set(mapped.providerMetrics.map((m) => m.provider))];
  const header = [
    '// @ts-check',
    `// ${scenario.name}: generated by \`floodgate export k6 ${options.file}\` (floodgate ${options.toolVersion}); re-export rather than edit.`,
    '// Run: k6 run -e BASE_URL=http://dispatcher:8080 [-e MOCKS_URL=http://mocks:9090] [-e FLOODGATE_TOKEN=...] <this file>',
    '// then: floodgate import k6 summary.json && floodgate gate reports/<scenario>/<stamp>-k6/result.json',
    ...(mapped.unmapped.length > 0
      ? [
          '//',
          '// Thresholds with no k6 equivalent (check them with `floodgate run --target` or on the mock ledgers):',
          ...mapped.unmapped.map((u) => `//   ${u.key}: "${u.expression}"  (${u.reason})`),
        ]
      : []),
    ...(notes.length > 0 ? ['//', '// Notes:', ...notes.map((n) => `//   ${n}`)] : []),
  ];
  const k6Options = {
    scenarios,
    thresholds: mapped.thresholds,
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)', 'count'],
  };
  const metricDecls = mapped.providerMetrics.map(
    (m) =>
      `  { metric: ${m.type === 'counter' ? 'new Counter' : 'new Gauge'}(${json(m.metric)}), field: ${json(m.field)}, provider: ${json(m.provider)} },`,
  );
  const metricTypes = (['counter', 'gauge'] as const)
    .filter((t) => mapped.providerMetrics.some((m) => m.type === t))
    .map((t) => (t === 'counter' ? 'Counter' : 'Gauge'));
  return [
    ...header,
    "import { check } from 'k6';",
    "import { randomBytes } from 'k6/crypto';",
    "import exec from 'k6/execution';",
    "import http from 'k6/http';",
    ...(metricTypes.length > 0 ? [`import { ${metricTypes.join(', ')} } from 'k6/metrics';`] : []),
    '',
    "const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\\/+$/, '');",
    "const MOCKS_URL = (__ENV.MOCKS_URL || '').replace(/\\/+$/, '');",
    `const TOKEN = __ENV.FLOODGATE_TOKEN || ${json(scenario.system.token)};`,
    '',
    '/** @type {import("k6/options").Options} */',
    `export const options = ${json(k6Options)};`,
    '',
    '/** @typedef {{ name: string, weight: number, method: string, path: string, headers: Record<string, string>, body?: unknown }} Template */',
    '/** @typedef {{ name: string, templates: Template[], recipients: { count: number, pattern: string }, timeout: string, tracked?: string }} Step */',
    '',
    '/** @type {Record<string, Step>} */',
    `const STEPS = ${json(steps)};`,
    '',
    '/** Provider figures `floodgate import k6` reads, filled from the mock ledgers in teardown(). */',
    '/** @type {{ metric: { add(value: number, tags?: Record<string, string>): void }, field: string, provider: string }[]} */',
    `const PROVIDER_METRICS = [${metricDecls.length > 0 ? `\n${metricDecls.join('\n')}\n` : ''}];`,
    '/** @type {string[]} */',
    `const PROVIDERS = ${json(providers)};`,
    K6_RUNTIME,
  ].join('\n');
}

/** A Kubernetes object name: lower-case letters, digits and dashes (RFC 1123), at most 63. */
export function toK8sName(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63) || 'floodgate'
  );
}

/** Where each pod's outputs land: a ReadWriteMany claim every runner pod mounts. */
export const K6_OUT_DIR = '/out';

/**
 * A k6-operator `TestRun` (k6.io/v1alpha1) that runs the exported script from a ConfigMap on
 * `parallelism` pods; k6 splits every arrival rate between them by execution segments.
 *
 * Each pod writes its own outputs to a shared volume (the claim `<name>-out`, mounted at
 * {@link K6_OUT_DIR}), named after the pod (`POD_NAME` from the downward API; Kubernetes expands
 * `$(POD_NAME)` in env values and in k6's arguments): the script's `handleSummary()` writes
 * `summary-<pod>.json` (`SUMMARY_FILE`), and `--out csv=` writes `samples-<pod>.csv.gz`, whose
 * http_req_duration samples let `floodgate import k6 <dir>` merge exact percentiles (without them
 * percentiles are bounds). No `--summary-export`: with `handleSummary()` k6 would write both, and
 * two summaries per pod would count it twice.
 */
export function renderK6TestRun(
  scenario: Frozen<Scenario>,
  options: { parallelism: number; scriptFile: string; baseUrl?: string },
): string {
  const name = toK8sName(`floodgate-${scenario.name}`);
  const claim = toK8sName(`${name}-out`);
  const manifest = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: { name },
    spec: {
      parallelism: options.parallelism,
      script: { configMap: { name, file: options.scriptFile } },
      arguments: `--out csv=${K6_OUT_DIR}/samples-$(POD_NAME).csv.gz`,
      runner: {
        env: [
          { name: 'BASE_URL', value: options.baseUrl ?? 'http://floodgate-dispatcher:8080' },
          { name: 'MOCKS_URL', value: 'http://floodgate-mocks:9090' },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'SUMMARY_FILE', value: `${K6_OUT_DIR}/summary-$(POD_NAME).json` },
        ],
        volumes: [{ name: 'out', persistentVolumeClaim: { claimName: claim } }],
        volumeMounts: [{ name: 'out', mountPath: K6_OUT_DIR }],
      },
    },
  };
  return [
    `# ${scenario.name} on ${options.parallelism} k6 pods (k6-operator). Create the script's ConfigMap first:`,
    `#   kubectl create configmap ${name} --from-file=${options.scriptFile}`,
    `#   kubectl apply -f ${name}.testrun.yaml`,
    `# Every pod writes summary-<pod>.json and samples-<pod>.csv.gz to the ReadWriteMany claim ${claim}`,
    `# (create it first). Afterwards copy ${K6_OUT_DIR} out of any pod that mounts the claim and merge the pods:`,
    `#   kubectl cp <pod-with-the-claim>:${K6_OUT_DIR} ./k6-out && floodgate import k6 ./k6-out`,
    '# Percentiles are exact with the samples files; drop `--out csv=...` and they are reported as bounds.',
    stringify(manifest),
  ].join('\n');
}
