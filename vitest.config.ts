import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests that measure time (how long an answer takes, how long the event loop is held) run on their
 * own after everything else, so other test files competing for the 2 cores cannot fail them.
 */
const MEASURED = ['test/e2e/render-budget.test.ts'];

export default defineConfig({
  test: {
    // One DynamoDB Local and one s3rver for the whole run; each test file gets its own table and bucket.
    globalSetup: ['test/support/backends.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    env: { POWERTOOLS_LOG_LEVEL: 'CRITICAL' },
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          // test/deploy/ needs the synthesized app: npm run test:deploy (vitest.deploy.config.ts).
          exclude: [...configDefaults.exclude, 'test/deploy/**', ...MEASURED],
        },
      },
      {
        extends: true,
        test: { name: 'measured', include: MEASURED, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
