import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import { json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({ ANON_RATE_LIMIT_HOURLY: '3', ANON_RATE_LIMIT_DAILY: '100' });
});
afterAll(() => runtime?.stop());

const secondsToNextHour = () => 3_600 - (Math.floor(Date.now() / 1000) % 3_600);

describe('anonymous rate limits', () => {
  it('count uploads per address per hour, then answer 429 with a wait', async () => {
    const file = await jpeg();
    const first = await upload(runtime.url, { file });
    expect(first.status).toBe(201);
    expect(first.headers.get('x-ratelimit-limit')).toBe('3');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('2');
    expect(first.headers.get('x-ratelimit-limit-daily')).toBe('100');
    expect(first.headers.get('x-ratelimit-remaining-daily')).toBe('99');
    const reset = Number(first.headers.get('x-ratelimit-reset'));
    expect(reset % 3_600).toBe(0);
    expect(reset - Date.now() / 1000).toBeGreaterThan(0);
    expect(first.headers.get('x-monthly-uploads-used')).toBeNull();

    // A refused request counts nothing: bad input before the limit is reached.
    expect((await upload(runtime.url, { file: Buffer.from('not an image') })).status).toBe(422);

    const racing = await Promise.all(Array.from({ length: 6 }, () => upload(runtime.url, { file })));
    expect(racing.map((response) => response.status).sort()).toEqual([201, 201, 429, 429, 429, 429]);

    const refused = racing.find((response) => response.status === 429) as Response;
    const body = await json(refused);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(secondsToNextHour() + 1);
    expect(body).toMatchObject({ error: 'rate_limited', action: { type: 'wait', seconds: retryAfter } });
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');

    const anonymous = (await runtime.mediaItems()).filter((item) => item.team_id === undefined);
    expect(anonymous).toHaveLength(3);
  });

  it('never trusts X-Forwarded-For for the address', async () => {
    const form = new FormData();
    form.append('file', new Blob([await jpeg()]), 'a.jpg');
    const spoofed = await fetch(`${runtime.url}/v1/upload`, {
      method: 'POST',
      body: form,
      headers: { 'x-forwarded-for': '198.51.100.23' },
    });
    expect(spoofed.status).toBe(429);
  });

  it('do not apply to API keys', async () => {
    const { key } = await runtime.newKey();
    const response = await upload(runtime.url, { file: await jpeg(), key });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('expire on their own through the table TTL', async () => {
    const windows = (await runtime.items()).filter((item) => String(item.pk).startsWith('RATE#'));
    expect(windows).toHaveLength(2);
    for (const window of windows) expect(Number(window.purge_at)).toBeGreaterThan(Date.now() / 1000);
  });
});
