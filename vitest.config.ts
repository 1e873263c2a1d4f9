import { defineConfig } from 'vitest/config';

/** The integration test files that run on both ClickHouse engines. */
const clickhouseLane = [
  'test/integration/clickhouse.smoke.test.ts',
  'test/integration/clickhouse-schema.test.ts',
  'test/integration/clickhouse-sink-durable.test.ts',
  'test/integration/clickhouse-sink-reads.test.ts',
];

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts', 'test/integration/data-set-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Two cores: a couple of files at once keeps the broker and the consumers responsive.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // The tests that hold the state to account, again with the state on the stack's 3-master
        // Redis Cluster: every command and script must stay within one hash slot there.
        test: {
          name: 'integration-cluster',
          include: [
            'test/integration/ingest-exactly-once.test.ts',
            'test/integration/service-kill.test.ts',
            'test/integration/streaming-vs-embedded.test.ts',
            'test/integration/due-times.test.ts',
            'test/integration/read-placement.test.ts',
          ],
          environment: 'node',
          env: { INSIDERS_TEST_REDIS: 'cluster' },
          globalSetup: ['test/integration/global-setup.ts', 'test/integration/data-set-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
      {
        // The ClickHouse-facing integration tests again, on ClickHouse 26.7 (the `chdb` package's
        // engine in the test process) instead of the stack's server: production runs current
        // releases, the stack runs 18.16. Tests that need a second server, an outage or TLS stay
        // on the stack only (test/README.md).
        test: {
          name: 'clickhouse-26.7',
          include: clickhouseLane,
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts', 'test/integration/data-set-setup.ts'],
          setupFiles: ['test/support/chdb-lane.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // one engine per process: a fresh worker process for every file
          pool: 'forks',
          isolate: true,
          maxWorkers: 2,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});
