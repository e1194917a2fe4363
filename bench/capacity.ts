/**
 * bench:capacity — issue 11's Done-when for the capacity search: against a loopback server of
 * known capacity in another process (c workers with a fixed service time, so the true saturation
 * rate is c / service time), the search lands between 0.90 and 1.00 of the true rate, never above
 * it, in 5 of 5 runs. Each run starts a fresh server (test/fixtures/capacity-server) and searches
 * 50..400/s at p95 < 200 ms, errors < 1%, 4 s a step. Figures (every run's answer, its ratio to the
 * true rate, probes and time, then the medians) go to reports/bench/capacity.json.
 *
 *   npm run bench:capacity        (CAPACITY_RUNS, CAPACITY_WORKERS, CAPACITY_SERVICE_MS to vary)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/core/index.ts';
import { runSearchStep, type SearchSpec } from '../src/runner/search-step.ts';
import { startCapacityServer } from '../test/fixtures/capacity-server/spawn.ts';

const RUNS = Number(process.env.CAPACITY_RUNS ?? 5);
const WORKERS = Number(process.env.CAPACITY_WORKERS ?? 10);
const SERVICE_MS = Number(process.env.CAPACITY_SERVICE_MS ?? 50);

const SPEC: SearchSpec = {
  name: 'loopback',
  templates: [{ method: 'GET', path: '/work', headers: {} }],
  recipients: { count: 1000, pattern: 'user-{n}' },
  arrival: 'uniform',
  stepDuration: 4000,
  cooldown: 500,
  budget: { p95: 200, errors: 0.01 },
  target: null,
  from: 50,
  to: 400,
  growth: 1.5,
  resolution: 0.02,
  maxProbes: 30,
  retryMarginal: true,
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? null : s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const runs = [];
for (let i = 1; i <= RUNS; i++) {
  const server = await startCapacityServer(WORKERS, SERVICE_MS);
  const started = performance.now();
  try {
    const stats = await runSearchStep(SPEC, {
      origin: server.origin,
      clock: systemClock,
      seed: `bench-${i}`,
      token: 'unused-token',
      timeout: 10_000,
      maxInFlight: 10_000,
      connections: 1024,
      lateLimit: 1000,
      lagInvalid: 50,
      drain: 10_000,
      onProbe: (p) =>
        process.stderr.write(`  ${p.rate.toFixed(1)}/s ${p.status} p95 ${p.latency.p95?.toFixed(0) ?? '-'}ms ${p.reasons.join('; ')}\n`),
    });
    const ratio = stats.rate === null ? null : stats.rate / server.trueRate;
    const ok = ratio !== null && ratio >= 0.9 && ratio <= 1;
    runs.push({
      run: i,
      trueRate: server.trueRate,
      rate: stats.rate,
      ratio,
      ok,
      failedAt: stats.failedAt,
      note: stats.note,
      confidence: stats.confidence,
      probes: stats.probes.length,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      steps: stats.probes.map((p) => ({
        rate: Math.round(p.rate * 10) / 10,
        role: p.role,
        status: p.status,
        p95: p.latency.p95,
        reasons: p.reasons,
      })),
    });
    console.log(
      `run ${i}: ${stats.summary}; ${ratio === null ? 'no answer' : `${(ratio * 100).toFixed(1)}% of ${server.trueRate}/s`} ${ok ? 'ok' : 'OUT OF RANGE'} (${stats.probes.length} probes, ${runs.at(-1)?.seconds}s)`,
    );
  } finally {
    await server.close();
  }
}
const ratios = runs.map((r) => r.ratio).filter((r): r is number => r !== null);
const summary = {
  bench: 'capacity',
  when: new Date().toISOString(),
  machine: { cpus: cpus().length, loadavg: loadavg() },
  server: { workers: WORKERS, serviceMs: SERVICE_MS, trueRate: (WORKERS * 1000) / SERVICE_MS },
  search: { from: SPEC.from, to: SPEC.to, budget: SPEC.budget, stepDuration: SPEC.stepDuration, resolution: SPEC.resolution },
  goal: 'every run between 0.90 and 1.00 of the true rate, never above',
  passed: runs.filter((r) => r.ok).length,
  of: runs.length,
  medianRate: median(runs.map((r) => r.rate).filter((r): r is number => r !== null)),
  medianRatio: median(ratios),
  minRatio: ratios.length ? Math.min(...ratios) : null,
  maxRatio: ratios.length ? Math.max(...ratios) : null,
  medianSeconds: median(runs.map((r) => r.seconds)),
  runs,
};
await mkdir(join('reports', 'bench'), { recursive: true });
await writeFile(join('reports', 'bench', 'capacity.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(
  `${summary.passed} of ${summary.of} within 0.90..1.00; median ratio ${summary.medianRatio?.toFixed(3)}; reports/bench/capacity.json`,
);
process.exitCode = summary.passed === summary.of ? 0 : 1;
