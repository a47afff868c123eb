import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS_LIMIT } from '#core/errors';
import { jpeg } from '#test/fixtures';
import { authHeaders, json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/**
 * Ids, lists and bodies no client should send: each is a 4xx in the documented shape, decided
 * before anything is stored or counted, and no answer is larger than the request that caused it.
 */
let runtime: TestRuntime;
let key: string;
let mediaId: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  ({ key } = await runtime.newKey());
  mediaId = String((await json(await upload(runtime.url, { file: await jpeg(), key }))).id);
});
afterEach(() => runtime.expectCountersToMatchMedia());
afterAll(() => runtime?.stop());

const send = (method: string, path: string, body?: unknown) =>
  fetch(`${runtime.url}${path}`, {
    method,
    headers: { ...authHeaders(key), 'content-type': 'application/json' },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });

/** Everything stored and counted, to compare before and after. */
const snapshot = async () => ({ items: await runtime.items(), objects: await runtime.objectKeys() });

const IDS = { 'of 3,000 characters': 'A'.repeat(3_000), 'with broken percent-encoding': '%E0%A4%A' };

describe('ids no media can have', () => {
  it.each(
    ['GET', 'PATCH', 'DELETE'].flatMap((method) =>
      Object.entries(IDS).map(([label, id]) => [method, label, id]),
    ),
  )('%s /v1/media/:id answers 404 for an id %s', async (method, _label, id) => {
    const before = await snapshot();
    const response = await send(method, `/v1/media/${id}`, method === 'PATCH' ? { caption: 'x' } : undefined);
    expect(response.status).toBe(404);
    expect(await json(response)).toMatchObject({ error: 'not_found', request_id: expect.any(String) });
    expect(await snapshot()).toEqual(before);
  });

  it('are simply not found in lists and batches', async () => {
    const long = 'B'.repeat(64);
    const listed = await send('GET', `/v1/media?ids=${long},${mediaId}`);
    expect(listed.status).toBe(200);
    expect(((await json(listed)).data as { id: string }[]).map((media) => media.id)).toEqual([mediaId]);
    const patched = await send('PATCH', '/v1/media/batch', { ids: [long, 'x'], caption: 'y' });
    expect(await json(patched)).toMatchObject({ updated: 0, not_found: [long, 'x'] });
    const deleted = await send('DELETE', '/v1/media/batch', { ids: [long] });
    expect(await json(deleted)).toMatchObject({ deleted: 0, not_found: [long] });
  });

  it.each(Object.entries(IDS))(
    'POST /v1/uploads/:id/complete answers 404 for an id %s',
    async (_label, id) => {
      const response = await send('POST', `/v1/uploads/${id}/complete`);
      expect(response.status).toBe(404);
      expect(await json(response)).toMatchObject({ error: 'not_found' });
    },
  );
});

describe('bodies larger than any request needs', () => {
  it('answer 413 before they are parsed, storing nothing', async () => {
    const before = await snapshot();
    const huge = JSON.stringify({ url: 'https://example.com/a.jpg', caption: 'x'.repeat(70 * 1024 * 1024) });
    for (const [method, path] of [
      ['POST', '/v1/import'],
      ['POST', '/v1/uploads'],
      ['PATCH', `/v1/media/${mediaId}`],
      ['PATCH', '/v1/media/batch'],
    ] as const) {
      const response = await send(
        method,
        path,
        method === 'POST' && path === '/v1/import' ? huge : `{"a":"${'x'.repeat(300_000)}"}`,
      );
      expect(response.status, `${method} ${path}`).toBe(413);
      expect(await json(response)).toMatchObject({
        error: 'payload_too_large',
        request_id: expect.any(String),
      });
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe('a refusal', () => {
  it('lists a bounded number of field problems, however many the request has', async () => {
    const names = Object.fromEntries(Array.from({ length: 10_000 }, (_, index) => [`${index}bad`, 'v']));
    const request = JSON.stringify({ url: 'https://example.com/a.jpg', ...names });
    const response = await send('POST', '/v1/import', request);
    expect(response.status).toBe(422);
    const text = await response.text();
    const body = JSON.parse(text) as { errors: Record<string, string[]>; message: string };
    expect(Object.keys(body.errors)).toHaveLength(ERRORS_LIMIT.fields);
    expect(body.message).toContain(`${ERRORS_LIMIT.fields} of 10001 fields listed`);
    expect(text.length).toBeLessThan(16 * 1024);
  });
});
