import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import {
  completeDirectUpload,
  json,
  type StartedDirectUpload,
  sendToStorage,
  startDirectUpload,
  upload,
} from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/**
 * A direct upload lets its caller put a file in the bucket, so it counts against the monthly quota
 * or the anonymous rate limits when it starts, refused exactly as `POST /v1/upload` would be; its
 * completion does not count again.
 */
let runtime: TestRuntime;
let file: Buffer;

beforeAll(async () => {
  file = await jpeg(24, 24);
  runtime = await startTestRuntime({
    PLANS: JSON.stringify({ free: { uploadsPerMonth: 3 } }),
    ANON_RATE_LIMIT_HOURLY: '3',
    ANON_RATE_LIMIT_DAILY: '100',
  });
});
afterEach(() => runtime.expectCountersToMatchMedia());
afterAll(() => runtime?.stop());

const intentCount = async () =>
  (await runtime.items()).filter((item) => String(item.pk).startsWith('UPLOAD#')).length;

/** Three intents started at once, each answered with the quota its own count left. */
const startThree = async (key?: string) => {
  const responses = await Promise.all(
    Array.from({ length: 3 }, () => startDirectUpload(runtime.url, { size: file.length }, key)),
  );
  expect(responses.map((response) => response.status)).toEqual([201, 201, 201]);
  const started = await Promise.all(
    responses.map(async (response) => (await response.json()) as StartedDirectUpload),
  );
  return { responses, started };
};

const completeAll = async (started: StartedDirectUpload[], key?: string) => {
  for (const each of started) {
    expect((await sendToStorage(each.upload, file)).status).toBeLessThan(300);
    const response = await completeDirectUpload(runtime.url, each.upload_id, key);
    expect(response.status).toBe(201);
  }
};

describe('direct upload intents', () => {
  it('count against the anonymous hourly limit when created, and are refused past it', async () => {
    const { responses, started } = await startThree();
    const intents = await intentCount();
    const refused = await startDirectUpload(runtime.url, { size: file.length });
    expect(refused.status).toBe(429);
    const remaining = responses.map((response) => response.headers.get('x-ratelimit-remaining'));
    expect(remaining.sort()).toEqual(['0', '1', '2']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(await json(refused)).toMatchObject({ error: 'rate_limited', action: { type: 'wait' } });
    expect(await intentCount()).toBe(intents);
    // The same limit as uploads through the API: they are refused too.
    expect((await upload(runtime.url, { file })).status).toBe(429);

    // Completing does not count again: all three are stored although the hour's limit is used.
    await completeAll(started);
    const anonymous = (await runtime.mediaItems()).filter((item) => item.team_id === undefined);
    expect(anonymous).toHaveLength(3);
  });

  it("count against the team's monthly quota when created, and are refused past it", async () => {
    const { key, teamId } = await runtime.newKey({ plan: 'free' });
    const { responses, started } = await startThree(key);
    const refused = await startDirectUpload(runtime.url, { size: file.length }, key);
    expect(refused.status).toBe(403);
    const used = responses.map((response) => response.headers.get('x-monthly-uploads-used'));
    expect(used.sort()).toEqual(['1', '2', '3']);
    expect(refused.headers.get('x-monthly-uploads-remaining')).toBe('0');
    expect(await json(refused)).toMatchObject({
      error: 'quota_exceeded',
      action: { type: 'upgrade', url: expect.any(String) },
    });
    expect((await upload(runtime.url, { file, key })).status).toBe(403);

    await completeAll(started.slice(0, 2), key);
    expect(await runtime.admin.showTeam(teamId)).toMatchObject({ media_stored: 2 });
    // The intent never completed keeps its count (afterEach checks the counter against media and intents).
    const usage = await json(
      await fetch(`${runtime.url}/v1/usage`, { headers: { authorization: `Bearer ${key}` } }),
    );
    expect(usage).toMatchObject({ monthly: { uploads: 3, uploads_remaining: 0 } });
  });
});
