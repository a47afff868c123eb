import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import { completeDirectUpload, type StartedDirectUpload, sendToStorage, startDirectUpload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/**
 * What becomes of a direct upload nobody completes, on the local runtime with a clock the test
 * moves (so not in test:deploy, whose functions keep their own clocks). Its own runtime: the
 * cleanup compares that clock with S3's real LastModified, so no earlier test may have moved it.
 */
let runtime: TestRuntime;
const DAY = 86_400;

beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(() => runtime?.stop());

describe('direct uploads never completed', () => {
  it('lose their file to the cleanup a day later, as the lifecycle rule does on AWS', async () => {
    const { key } = await runtime.newKey();
    const file = await jpeg();
    const response = await startDirectUpload(runtime.url, { size: file.length }, key);
    expect(response.status).toBe(201);
    const started = (await response.json()) as StartedDirectUpload;
    expect((await sendToStorage(started.upload, file)).status).toBeLessThan(300);
    const incoming = `incoming/${started.upload_id}`;

    runtime.clock.advance(DAY / 2);
    expect(await runtime.runCleanup()).toMatchObject({ unclaimed: 0, failed: 0 });
    expect(await runtime.objectKeys()).toContain(incoming);

    runtime.clock.advance(DAY);
    expect((await runtime.runCleanup()).unclaimed).toBeGreaterThanOrEqual(1);
    expect(await runtime.objectKeys()).not.toContain(incoming);
    expect((await completeDirectUpload(runtime.url, started.upload_id, key)).status).toBe(404);
  });
});
