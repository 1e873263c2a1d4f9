import { defineConfig } from 'vitest/config';
import LaneSequencer from './test/support/lane-sequencer.js';

/**
 * The fault lane: tests that start servers of their own (and stop, kill or lock them down), or kill
 * and restart the service or its consumers. They wait more than they compute, so they share the
 * workers with the shared-stack lane rather than run after it.
 */
const faultLane = [
  'test/integration/own-servers.test.ts',
  'test/integration/*-restart.test.ts',
  'test/integration/*-security.test.ts',
  'test/integration/clickhouse-outage.test.ts',
  'test/integration/consumer-failure.test.ts',
  'test/integration/consumer-script-failure.test.ts',
  'test/integration/ingest-exactly-once.test.ts',
  'test/integration/service-kill.test.ts',
];

/** The integration test files that run on both ClickHouse engines. */
const clickhouseLane = [
  'test/integration/clickhouse.smoke.test.ts',
  'test/integration/clickhouse-schema.test.ts',
  'test/integration/clickhouse-sink-durable.test.ts',
  'test/integration/clickhouse-sink-reads.test.ts',
];

/**
 * Every lane runs at once, five files at a time: on two cores most of an integration file's time
 * is spent waiting (on the broker, a server of its own starting, a killed process's leases), and
 * with three at a time the machine stayed at about one core busy; five keep both busy without
 * starving the broker and the consumers (test/README.md, "How long it takes").
 */
const together = { groupOrder: 1 };

/** Every lane's processes print warnings as the command does (test/support/process-warnings.ts). */
const processWarnings = 'test/support/process-warnings.ts';
const integrationWorkers = 5;

const integration = {
  environment: 'node' as const,
  globalSetup: ['test/integration/global-setup.ts', 'test/integration/data-set-setup.ts'],
  testTimeout: 120_000,
  hookTimeout: 180_000,
  maxWorkers: integrationWorkers,
  sequence: together,
  setupFiles: [processWarnings],
};

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    sequence: { sequencer: LaneSequencer },
    projects: [
      {
        // CPU work, run beside the integration lanes' waiting rather than before them. One process
        // runs file after file (no fresh process and module graph per file, which cost as much CPU
        // as the tests themselves): no unit test mocks modules or changes the environment.
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          isolate: false,
          // a safety net, not a measure: CPU-bound tests share two cores with the other lanes
          testTimeout: 30_000,
          setupFiles: [processWarnings],
          maxWorkers: integrationWorkers,
          sequence: together,
        },
      },
      {
        // Kafka, Redis and ClickHouse of the stack, shared with other runs: every file in topics,
        // key prefixes and databases of its own.
        test: {
          ...integration,
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: faultLane,
        },
      },
      {
        test: { ...integration, name: 'faults', include: faultLane },
      },
      {
        // The tests that hold the state to account, again with the state on the stack's 3-master
        // Redis Cluster: every command and script must stay within one hash slot there.
        test: {
          ...integration,
          name: 'integration-cluster',
          include: [
            'test/integration/ingest-exactly-once.test.ts',
            'test/integration/service-kill.test.ts',
            'test/integration/streaming-vs-embedded.test.ts',
            'test/integration/due-times.test.ts',
            'test/integration/read-placement.test.ts',
            'test/integration/state-layout-migration.test.ts',
          ],
          env: { INSIDERS_TEST_REDIS: 'cluster' },
        },
      },
      {
        // The ClickHouse-facing integration tests again, on ClickHouse 26.7 (the `chdb` package's
        // engine in the test process) instead of the stack's server: production runs current
        // releases, the stack runs 18.16. Tests that need a second server, an outage or TLS stay
        // on the stack only (test/README.md).
        test: {
          ...integration,
          name: 'clickhouse-26.7',
          include: clickhouseLane,
          setupFiles: [processWarnings, 'test/support/chdb-lane.ts'],
          // one engine per process: a fresh worker process for every file
          pool: 'forks',
          isolate: true,
        },
      },
    ],
  },
});
