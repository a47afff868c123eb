import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import { json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({ ANON_RATE_LIMIT_HOURLY: '100', ANON_RATE_LIMIT_DAILY: '2' });
});
afterAll(() => runtime?.stop());

describe('the anonymous daily limit', () => {
  it('waits until the next UTC day, even when the hour would allow more', async () => {
    const file = await jpeg();
    for (let i = 0; i < 2; i++) expect((await upload(runtime.url, { file })).status).toBe(201);
    const refused = await upload(runtime.url, { file });
    expect(refused.status).toBe(429);
    const nowSeconds = Math.floor(Date.now() / 1000);
    const secondsToMidnight = 86_400 - (nowSeconds % 86_400);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Math.abs(retryAfter - secondsToMidnight)).toBeLessThanOrEqual(2);
    expect(await json(refused)).toMatchObject({ action: { type: 'wait', seconds: retryAfter } });
    expect(refused.headers.get('x-ratelimit-remaining-daily')).toBe('0');
  });
});
