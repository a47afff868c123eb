import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/deploy/ needs the synthesized app: npm run test:deploy (vitest.deploy.config.ts).
    exclude: [...configDefaults.exclude, 'test/deploy/**'],
    // One DynamoDB Local and one s3rver for the whole run; each test file gets its own table and bucket.
    globalSetup: ['test/support/backends.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    env: { POWERTOOLS_LOG_LEVEL: 'CRITICAL' },
  },
});
