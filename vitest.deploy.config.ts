import { defineConfig } from 'vitest/config';

/**
 * The end-to-end tests that hold on AWS as they do locally, run against the synthesized functions.
 * Left out: what needs a clock the test can move (lifecycle, direct-upload-expiry, variant-budget)
 * or a function timeout it can shorten (deadlines: the synthesized functions keep their own 29 s),
 * what the API's distribution answers before the API (uploads over 4 MiB, requests that go around
 * it: upload-rejects, api-origin-secret), the tests of the local runtime itself (local-runtime,
 * viewer-stream, and hostile-input, whose body limits are the local gateway's), and render-budget,
 * which measures the event loop of a process serving every route (each function has its own).
 */
const E2E = [
  'auth',
  'client',
  'contract',
  'direct-upload',
  'direct-upload-limits',
  'docs',
  'facts',
  'idempotency',
  'import',
  'import-refusals',
  'mcp',
  'media',
  'media-management',
  'quotas',
  'rate-limits',
  'rate-limits-daily',
  'tenant-isolation',
  'upload',
  'viewer',
  'viewer-links',
  'viewer-segment',
];

export default defineConfig({
  test: {
    include: [...E2E.map((name) => `test/e2e/${name}.test.ts`), 'test/deploy/**/*.test.ts'],
    globalSetup: ['test/support/backends.ts', 'test/deploy/synthesize.ts'],
    // Function processes start cold in every file; arm64 ones under emulation take seconds each.
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
