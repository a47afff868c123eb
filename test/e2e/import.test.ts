import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import { json } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';
import { type RecordingServer, startRecordingServer } from '#test/servers';

/**
 * POST /v1/import through the local runtime. Loopback servers stand in for the web, so this file
 * lifts the address policy (as local development may); the policy itself is tested with it on in
 * import-refusals.test.ts and test/integration/fetch-image.test.ts.
 */
let runtime: TestRuntime;
let origin: RecordingServer;
let photo: Buffer;

beforeAll(async () => {
  photo = await jpeg(48, 32);
  origin = await startRecordingServer((request, response) => {
    if (request.url === '/photo.jpg') response.writeHead(200, { 'content-type': 'image/jpeg' }).end(photo);
    else if (request.url === '/lying.png')
      response.writeHead(200, { 'content-type': 'image/png' }).end('<html>no</html>');
    else if (request.url === '/page') response.writeHead(200, { 'content-type': 'text/html' }).end(photo);
    else if (request.url === '/slow')
      response.writeHead(200, { 'content-type': 'image/jpeg' }).write(photo.subarray(0, 8));
    else response.writeHead(500, { 'content-type': 'text/plain' }).end('internal stack trace here');
  });
  runtime = await startTestRuntime({
    IMPORT_ALLOW_PRIVATE_NETWORKS: 'true',
    IMPORT_ALLOWED_PORTS: '*',
    IMPORT_TIMEOUT_SECONDS: '1',
  });
});
afterEach(() => runtime.expectCountersToMatchMedia());
afterAll(async () => {
  await runtime?.stop();
  await origin?.close();
});

const importUrl = (body: unknown, key?: string) =>
  fetch(`${runtime.url}/v1/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
    body: JSON.stringify(body),
  });

const expectNothingStored = async () => {
  expect(await runtime.mediaItems()).toEqual([]);
  expect(await runtime.objectKeys()).toEqual([]);
};

describe('POST /v1/import', () => {
  it('refuses what it cannot import, storing nothing', async () => {
    const { key } = await runtime.newKey();
    const cases: [unknown, number, string][] = [
      [{}, 422, 'validation_error'],
      [{ url: 42 }, 422, 'validation_error'],
      [{ url: 'not a url' }, 422, 'validation_error'],
      [{ url: `${origin.url}/page` }, 422, 'validation_error'],
      [{ url: `${origin.url}/lying.png` }, 422, 'validation_error'],
      [{ url: `${origin.url}/broken` }, 502, 'fetch_failed'],
      [{ url: `${origin.url}/slow` }, 504, 'fetch_failed'],
      [{ url: `${origin.url}/photo.jpg`, ttl: 'soon' }, 422, 'validation_error'],
    ];
    for (const [body, status, code] of cases) {
      const response = await importUrl(body, key);
      const answer = await json(response);
      expect({ body, status: response.status, code: answer.error }).toEqual({ body, status, code });
      if (status === 422 && (body as { ttl?: string }).ttl === undefined) {
        expect(Object.keys(answer.errors as object)).toEqual(['url']);
      }
      expect(JSON.stringify(answer)).not.toContain('stack trace');
    }
    await expectNothingStored();
  });

  it('stores the image like an upload, with attribution, external id and quota headers', async () => {
    const { key, teamId } = await runtime.newKey();
    const response = await importUrl(
      {
        url: `${origin.url}/photo.jpg`,
        caption: 'Imported',
        external_id: 'ext-1',
        source_url: 'x',
        author: 'Jane',
      },
      key,
    );
    expect(response.status).toBe(201);
    const body = await json(response);
    expect(body).toMatchObject({
      caption: 'Imported',
      external_id: 'ext-1',
      author: 'Jane',
      extension: 'jpeg',
      width: 48,
      height: 32,
      filesize: photo.length,
    });
    expect(response.headers.get('x-monthly-uploads-used')).toBe('1');
    expect(await runtime.admin.showTeam(teamId)).toMatchObject({
      media_stored: 1,
      storage_used_bytes: photo.length,
    });

    const served = Buffer.from(await (await fetch(String(body.link))).arrayBuffer());
    expect(served.equals(photo)).toBe(true);

    const duplicate = await importUrl({ url: `${origin.url}/photo.jpg`, external_id: 'ext-1' }, key);
    expect(duplicate.status).toBe(409);
  });

  it('never forwards the caller’s headers', async () => {
    const { key } = await runtime.newKey();
    await importUrl({ url: `${origin.url}/photo.jpg` }, key);
    const seen = origin.requests.at(-1)?.headers ?? {};
    expect(seen.authorization).toBeUndefined();
    expect(seen['user-agent']).toBe('imgpro-import/1.0');
  });

  it('works anonymously, with expiry, upgrade object and rate-limit headers', async () => {
    const response = await importUrl({ url: `${origin.url}/photo.jpg` });
    expect(response.status).toBe(201);
    const body = await json(response);
    expect(body.expires_at).toBe(Number(body.created_at) + 30 * 86_400);
    expect(body.upgrade).toMatchObject({ type: 'register' });
    expect(response.headers.get('x-ratelimit-remaining')).toBe('19');
  });
});
