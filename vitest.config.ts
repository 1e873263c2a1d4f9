import { defineConfig } from 'vitest/config';

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
          globalSetup: ['test/integration/global-setup.ts'],
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
          ],
          environment: 'node',
          env: { INSIDERS_TEST_REDIS: 'cluster' },
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
