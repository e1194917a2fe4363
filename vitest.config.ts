import { defineConfig } from 'vitest/config';

/**
 * Test files that bind real sockets, spawn child processes, drive a browser or run the CLI
 * end to end against servers: the `integration` project. Classified by what each file does,
 * not by its folder. Every other `test/**\/*.test.ts` is `unit`: pure or in-process only
 * (fastify `inject()`, in-process CLI runs that plan, parse or write temp files), and fast.
 * A new test that listens on a port or spawns a process belongs in this list.
 */
export const INTEGRATION = [
  // CLI runs against real servers, and the embedded system in a child process.
  'test/cli/bad-input.test.ts',
  'test/cli/embedded-process.test.ts',
  'test/dispatcher/scheduled.test.ts',
  'test/cli/quickstart.test.ts',
  'test/cli/report-rules.test.ts',
  'test/cli/run-gate.test.ts',
  'test/cli/run.test.ts',
  'test/deploy/compose.test.ts',
  // docker-compose.yml's services as processes on their own loopback addresses.
  'test/deploy/compose-topology.test.ts',
  // The reference dispatcher over HTTP, in-process and as child processes.
  'test/dispatcher/api.test.ts',
  'test/dispatcher/bad-input.test.ts',
  'test/dispatcher/bad-input-reports.test.ts',
  'test/dispatcher/cli.test.ts',
  'test/dispatcher/crash-pg.test.ts',
  'test/dispatcher/instances-pg.test.ts',
  'test/dispatcher/fcm-wire.test.ts',
  // The lean HTTP/1.1 client against raw TCP servers on loopback.
  'test/dispatcher/h1-client.test.ts',
  'test/dispatcher/lost-responses-dedupe.test.ts',
  'test/dispatcher/mocks.test.ts',
  'test/dispatcher/processes.test.ts',
  'test/dispatcher/providers.test.ts',
  'test/dispatcher/sms-client.test.ts',
  'test/dispatcher/smoke.test.ts',
  'test/dispatcher/store.test.ts',
  'test/dispatcher/send-quota.test.ts',
  'test/e2e/**/*.test.ts',
  // Spawns tsc.
  'test/export/k6-typecheck.test.ts',
  'test/gate/bad-dispatchers.test.ts',
  // A transactional phase against a one-queue dispatcher and the reference, each in its own process.
  'test/gate/isolation-e2e.test.ts',
  // Mock providers over real sockets (SDK clients, resets, hangs, callbacks, the CLI server).
  'test/mocks/admin.test.ts',
  'test/mocks/alimtalk.test.ts',
  'test/mocks/bad-input.test.ts',
  'test/mocks/bad-input-admin.test.ts',
  'test/mocks/cli-mock.test.ts',
  'test/mocks/contract-clients.test.ts',
  'test/mocks/faults-latency.test.ts',
  'test/mocks/fcm-h2c.test.ts',
  'test/mocks/lookup.test.ts',
  'test/mocks/overload-sockets.test.ts',
  'test/mocks/runs-feed.test.ts',
  // Real SDKs and tools (AWS SDK, boto3, the AWS CLI, firebase-admin) against the mocks.
  'test/mocks/sdk-aws-cli.test.ts',
  'test/mocks/sdk-boto3.test.ts',
  'test/mocks/sdk-fcm.test.ts',
  'test/mocks/sdk-ses-v1.test.ts',
  // Both servers' real /metrics piped into promtool.
  'test/metrics/promtool.test.ts',
  'test/report/html-chromium.test.ts',
  'test/report/history.test.ts',
  // Runner against loopback sinks and scrape targets.
  'test/runner/campaign.test.ts',
  'test/runner/feed-pages.test.ts',
  'test/runner/monitors.test.ts',
  'test/runner/pacer.test.ts',
  'test/runner/real-mocks.test.ts',
  'test/runner/sweep.test.ts',
  // The capacity search against a known-capacity server in another process.
  'test/runner/capacity-loopback.test.ts',
  'test/scenarios/end-to-end.test.ts',
  // Python replicas of the stories' original designs against floodgate mock and floodgate run.
  'test/e2e/incident-replicas.test.ts',
  // floodgate project against two dispatcher processes and a real SES mock (issue 11, story 1).
  'test/e2e/projection-story1.test.ts',
  // A fault step restarting the embedded dispatcher, and a team's own one floodgate started (issue 14).
  'test/e2e/restart-embedded.test.ts',
  'test/e2e/restart-own-dispatcher.test.ts',
  'test/cli/embedded-restart.test.ts',
  'test/runner/own-dispatcher.test.ts',
  // Lateness and early deliveries judged on an independent Python dispatcher with scheduled sends (issue 14).
  'test/e2e/scheduled-dispatcher.test.ts',
  // The system clock read in a fresh node process.
  'test/core/clock-process.test.ts',
];

/**
 * Integration files whose assertions need the machine to themselves: rates held near a provider's
 * limit across processes, latency budgets at 1% of a story, SIGKILL timings. They run after
 * everything else, one at a time (beside three other files they missed their budgets).
 */
export const SERIAL = [
  'test/dispatcher/crash-pg.test.ts',
  'test/dispatcher/instances-pg.test.ts',
  'test/dispatcher/processes.test.ts',
  'test/e2e/bad-dispatchers.test.ts',
  'test/e2e/own-dispatcher-smoke.test.ts',
  'test/e2e/per-instance-limiter.test.ts',
  'test/e2e/projection-story1.test.ts',
  'test/scenarios/end-to-end.test.ts',
  // docker-compose.yml as processes: two dispatcher replicas on PostgreSQL, the mocks and a run.
  'test/deploy/compose-topology.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // An unhandled error or rejection anywhere fails the run (this is vitest's default; stated
    // so nobody turns it off to get a green run).
    dangerouslyIgnoreUnhandledErrors: false,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: INTEGRATION,
          // Four files at once on two cores: most integration files wait on sockets, timers and
          // child processes, not on the CPU; one file a core made the suite the sum of those waits
          // (over 20 minutes). One value for the whole first group (vitest requires it).
          maxWorkers: 4,
          // In-process only: worker threads start faster than forks, and without per-file
          // isolation each worker imports fastify, zod, vega and typescript once, not per file.
          // No unit file stubs globals, mocks modules or changes process.env.
          pool: 'threads',
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: INTEGRATION,
          exclude: SERIAL,
          maxWorkers: 4,
          // Load and crash tests bind real sockets and spawn processes: keep files in separate forks.
          pool: 'forks',
        },
      },
      {
        extends: true,
        test: {
          name: 'serial',
          include: SERIAL,
          maxWorkers: 1,
          pool: 'forks',
          // After the first group, alone on the machine.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
