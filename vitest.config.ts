import { defineConfig } from 'vitest/config';

// Three projects so CI output says which layer broke. Integration tests start real local services
// (DynamoDB Local is a JVM), so they run in forks with a generous timeout; the unit layer stays fast.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          // Handlers log unhandled errors on purpose in some tests; keep the output readable.
          env: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
        },
      },
      {
        test: {
          name: 'infra',
          include: ['tests/infra/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          pool: 'forks',
          fileParallelism: false,
          // Clears the IAM records at the start; writes the least-privilege report at the end.
          globalSetup: ['tests/support/iam-report-setup.ts'],
        },
      },
      {
        // Chromium against the local cloud: one file at a time, like the integration layer.
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          // A page waits on Lambda cold starts and a shared 2-core machine: poll up to 20 s, every 100 ms.
          expect: { poll: { timeout: 20_000, interval: 100 } },
          testTimeout: 120_000,
          hookTimeout: 300_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
