import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import {
  completeDirectUpload,
  json,
  type StartedDirectUpload,
  sendToStorage,
  startDirectUpload,
} from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/** The presigned flow for large files, against s3rver on the local runtime. */
let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterEach(() => runtime.expectCountersToMatchMedia());
afterAll(() => runtime?.stop());

const start = (body: unknown, key?: string) => startDirectUpload(runtime.url, body, key);
const complete = (uploadId: unknown, key?: string) => completeDirectUpload(runtime.url, uploadId, key);

const begin = async (file: Uint8Array, key?: string, fields: Record<string, unknown> = {}) => {
  const response = await start({ size: file.length, ...fields }, key);
  expect(response.status).toBe(201);
  return (await response.json()) as StartedDirectUpload;
};

describe('direct uploads (POST /v1/uploads → S3 → complete)', () => {
  it('store the file as media, the same 201 object as /v1/upload', async () => {
    const { key, teamId } = await runtime.newKey();
    const file = await jpeg(120, 80);
    const started = await begin(file, key, { caption: 'big one', author: 'Jane' });
    expect(started.upload.method).toBe('POST');
    expect(started.expires_at).toBeGreaterThan(Date.now() / 1000);
    expect(started.upload.fields.key).toBe(`incoming/${started.upload_id}`);
    expect(started.upload.fields.Policy).toEqual(expect.any(String));

    expect((await sendToStorage(started.upload, file)).status).toBeLessThan(300);
    const response = await complete(started.upload_id, key);
    const media = await json(response);
    expect(response.status).toBe(201);
    expect(media).toMatchObject({
      caption: 'big one',
      author: 'Jane',
      extension: 'jpeg',
      width: 120,
      height: 80,
    });
    expect(media.filesize).toBe(file.length);
    expect(response.headers.get('x-monthly-uploads-used')).toBe('1');
    expect(Buffer.from(await (await fetch(String(media.link))).arrayBuffer()).equals(file)).toBe(true);
    expect(await runtime.objectKeys()).not.toContain(`incoming/${started.upload_id}`);
    expect(await runtime.admin.showTeam(teamId)).toMatchObject({ media_stored: 1 });

    // An upload completes once.
    expect((await complete(started.upload_id, key)).status).toBe(404);
  });

  it('policy pins the size range to the declared size', async () => {
    const { key } = await runtime.newKey();
    const started = await begin(await jpeg(), key);
    const policy = JSON.parse(Buffer.from(started.upload.fields.Policy ?? '', 'base64').toString()) as {
      conditions: unknown[];
      expiration: string;
    };
    expect(policy.conditions).toContainEqual([
      'content-length-range',
      (await jpeg()).length,
      (await jpeg()).length,
    ]);
    expect(policy.conditions).toContainEqual({ key: `incoming/${started.upload_id}` });
    expect(Date.parse(policy.expiration) / 1000).toBeLessThanOrEqual(started.expires_at + 1);
  });

  it('refuse a file that is not an image, and delete it', async () => {
    const { key, teamId } = await runtime.newKey();
    const fake = Buffer.from('<html>definitely not a jpeg</html>');
    const started = await begin(fake, key);
    await sendToStorage(started.upload, fake);
    const before = await runtime.objectKeys();
    expect(before).toContain(`incoming/${started.upload_id}`);
    const response = await complete(started.upload_id, key);
    expect(response.status).toBe(422);
    expect(await json(response)).toMatchObject({
      error: 'validation_error',
      errors: { file: [expect.any(String)] },
    });
    expect(await runtime.objectKeys()).toEqual(
      before.filter((name) => name !== `incoming/${started.upload_id}`),
    );
    expect(await runtime.admin.showTeam(teamId)).toMatchObject({ media_stored: 0 });
  });

  it('refuse a file whose size is not the declared one', async () => {
    const { key, teamId } = await runtime.newKey();
    const file = await jpeg(40, 40);
    const started = await begin(Buffer.alloc(file.length + 10), key);
    // s3rver does not enforce the policy's size range as S3 does, so completion checks it too.
    await sendToStorage(started.upload, file);
    const response = await complete(started.upload_id, key);
    expect(response.status).toBe(422);
    expect(await runtime.admin.showTeam(teamId)).toMatchObject({ media_stored: 0 });
  });

  it('cannot be completed before the file is sent, nor by another team', async () => {
    const { key } = await runtime.newKey();
    const other = await runtime.newKey();
    const file = await jpeg();
    const started = await begin(file, key);
    const early = await complete(started.upload_id, key);
    expect(early.status).toBe(422);
    await sendToStorage(started.upload, file);
    expect((await complete(started.upload_id, other.key)).status).toBe(404);
    expect((await complete(started.upload_id)).status).toBe(404);
    expect((await complete('AAAAAAAAAAAAAA', key)).status).toBe(404);
    expect((await complete(started.upload_id, key)).status).toBe(201);
  });

  it.each([
    [{}, 'size'],
    [{ size: 0 }, 'size'],
    [{ size: 1.5 }, 'size'],
    [{ size: '100' }, 'size'],
    [{ size: 71 * 1024 ** 2 }, 'size'],
    [{ size: 100, ttl: 'never' }, 'ttl'],
    [{ size: 100, id: 'x' }, 'id'],
  ])('refuse to start with %j', async (body, field) => {
    const { key } = await runtime.newKey();
    const intents = async () =>
      (await runtime.items()).filter((item) => String(item.pk).startsWith('UPLOAD#')).length;
    const before = await intents();
    const response = await start(body, key);
    expect(response.status).toBe(422);
    expect(Object.keys((await json(response)).errors as object)).toContain(field);
    expect(await intents()).toBe(before);
  });

  it('work anonymously, within the anonymous 20 MB limit', async () => {
    expect((await start({ size: 21 * 1024 ** 2 })).status).toBe(422);
    const file = await jpeg();
    const started = await begin(file);
    await sendToStorage(started.upload, file);
    const response = await complete(started.upload_id);
    expect(response.status).toBe(201);
    expect(await json(response)).toMatchObject({
      expires_at: expect.any(Number),
      upgrade: expect.any(Object),
    });
  });
});
