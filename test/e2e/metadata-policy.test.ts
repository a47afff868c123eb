import exifReader from 'exif-reader';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jpeg, PRIVATE_EXIF } from '#test/fixtures';
import {
  authHeaders,
  completeDirectUpload,
  json,
  sendToStorage,
  startDirectUpload,
  upload,
} from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';
import { type RecordingServer, startRecordingServer } from '#test/servers';

/**
 * Who decides whether a public link gives away the photo's GPS position and camera: the owner, per
 * media (`keep_metadata`), not the visitor. `?metadata=keep` serves what `copyright` serves until
 * the owner allows it, on upload, import, direct upload or PATCH; the ETag follows the policy and a
 * change queues the CDN invalidation of the media's variants.
 */
let runtime: TestRuntime;
let key: string;
let origin: RecordingServer;
let photo: Buffer;

beforeAll(async () => {
  photo = await jpeg(48, 32, { exif: PRIVATE_EXIF });
  origin = await startRecordingServer((request, response) => {
    if (request.url === '/photo.jpg') response.writeHead(200, { 'content-type': 'image/jpeg' }).end(photo);
    else response.writeHead(404).end();
  });
  runtime = await startTestRuntime({ IMPORT_ALLOW_PRIVATE_NETWORKS: 'true', IMPORT_ALLOWED_PORTS: '*' });
  ({ key } = await runtime.newKey());
});
afterEach(() => runtime.expectCountersToMatchMedia());
afterAll(async () => {
  await runtime?.stop();
  await origin?.close();
});

const exifOf = async (bytes: Uint8Array) => {
  const { exif } = await sharp(bytes).metadata();
  return exif ? exifReader(exif) : undefined;
};

/** GET a viewer URL as an image client does; the bytes, their EXIF and the caching headers. */
const view = async (url: string, headers: Record<string, string> = {}) => {
  const response = await fetch(url, { headers: { accept: 'image/*', ...headers } });
  const body = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    body,
    etag: response.headers.get('etag'),
    cacheControl: response.headers.get('cache-control'),
    exif: response.status === 200 ? await exifOf(body) : undefined,
  };
};

const expectNoPrivateMetadata = (exif: Awaited<ReturnType<typeof exifOf>>, what: string) => {
  expect(exif?.GPSInfo, what).toBeUndefined();
  expect(exif?.Image?.Make, what).toBeUndefined();
  expect(exif?.Image?.Model, what).toBeUndefined();
  expect(exif?.Photo?.BodySerialNumber, what).toBeUndefined();
};

const expectFullMetadata = (exif: Awaited<ReturnType<typeof exifOf>>, what: string) => {
  expect(exif?.GPSInfo?.GPSLatitudeRef, what).toBe('N');
  expect(exif?.Image?.Make, what).toBe('ACME');
  expect(exif?.Photo?.BodySerialNumber, what).toBe('SN123');
};

const uploadPhoto = async (fields: Record<string, string> = {}, { anonymous = false } = {}) => {
  const response = await upload(runtime.url, { file: photo, key: anonymous ? undefined : key, fields });
  expect(response.status).toBe(201);
  return json(response);
};

const patch = (path: string, body: unknown) =>
  fetch(`${runtime.url}${path}`, {
    method: 'PATCH',
    headers: { ...authHeaders(key), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const mediaItem = async (id: unknown) => (await runtime.mediaItems()).find((item) => item.id === id);

describe('metadata=keep on a public link', () => {
  it('serves what copyright serves unless the owner allowed it', async () => {
    expectFullMetadata(await exifOf(photo), 'the original');
    const created = await uploadPhoto();
    expect(created).not.toHaveProperty('keep_metadata');
    const link = String(created.link);

    const byDefault = await view(link);
    const keep = await view(`${link}?metadata=keep`);
    expect(keep.status).toBe(200);
    expectNoPrivateMetadata(keep.exif, 'keep, not allowed');
    expect(keep.exif?.Image?.Copyright).toBe('(c) Test Owner');
    expect(keep.exif?.Image?.Artist).toBe('Ann Artist');
    expect(keep.body.equals(byDefault.body)).toBe(true);
    // Stripped without a re-encode: the scans are the original's bytes, so are the pixels.
    const scans = byDefault.body.subarray(byDefault.body.indexOf(Buffer.from([0xff, 0xda])));
    expect(photo.indexOf(scans)).toBe(photo.length - scans.length);
    expect((await sharp(byDefault.body).raw().toBuffer()).equals(await sharp(photo).raw().toBuffer())).toBe(
      true,
    );
    // Its bytes may change when the owner decides: browsers revalidate, the CDN is invalidated.
    expect(keep.cacheControl).toBe('public, max-age=300, s-maxage=31536000');
    expect(byDefault.cacheControl).toContain('immutable');

    // Every way of asking: with a transform, through the extension, as the page's image.
    for (const url of [
      `${link}?metadata=keep&w=20`,
      `${link}.jpg?metadata=keep`,
      `${link}.webp?metadata=keep`,
    ]) {
      const variant = await view(url);
      expect(variant.status, url).toBe(200);
      expectNoPrivateMetadata(variant.exif, url);
    }
    const page = await (await fetch(`${link}?metadata=keep`, { headers: { accept: 'text/html' } })).text();
    const imageUrl = /<meta property="og:image" content="([^"]+)"/.exec(page)?.[1]?.replaceAll('&amp;', '&');
    expect(imageUrl).toContain('metadata=keep');
    expectNoPrivateMetadata((await view(String(imageUrl))).exif, 'the page image');
  });

  it('serves the full metadata once allowed on upload, and only when asked for', async () => {
    const created = await uploadPhoto({ keep_metadata: 'true' });
    expect(created.keep_metadata).toBe(true);
    expect(await json(await fetch(`${runtime.url}/v1/media/${created.id}`))).toMatchObject({
      keep_metadata: true,
    });
    const link = String(created.link);

    expectFullMetadata((await view(`${link}?metadata=keep`)).exif, 'keep');
    expectFullMetadata((await view(`${link}?metadata=keep&w=20`)).exif, 'keep, resized');
    // The default and `none` are what they always were.
    expectNoPrivateMetadata((await view(link)).exif, 'default');
    expect((await view(`${link}?metadata=none`)).exif).toBeUndefined();
  });

  it('follows the policy the owner sets by PATCH: other bytes, another ETag, the CDN invalidated', async () => {
    const created = await uploadPhoto();
    const keepUrl = `${created.link}?metadata=keep`;
    const before = await view(keepUrl);
    expectNoPrivateMetadata(before.exif, 'before');
    expect(await mediaItem(created.id)).not.toHaveProperty('gsi2pk');

    const allowed = await patch(`/v1/media/${created.id}`, { keep_metadata: true });
    expect(allowed.status).toBe(200);
    expect(await json(allowed)).toMatchObject({ id: created.id, keep_metadata: true });
    const after = await view(keepUrl, { 'if-none-match': String(before.etag) });
    expect(after.status).toBe(200);
    expect(after.etag).not.toBe(before.etag);
    expectFullMetadata(after.exif, 'after');
    // Queued for the cleanup job, which drops the media's cached variants from the CDN.
    expect(await mediaItem(created.id)).toMatchObject({ keep_metadata: true, cdn_invalidated: false });
    expect(await runtime.runCleanup()).toMatchObject({ invalidated: 1, failed: 0 });
    expect(await mediaItem(created.id)).toMatchObject({ cdn_invalidated: true });
    expect(await mediaItem(created.id)).not.toHaveProperty('gsi2pk');

    // A change of something else leaves the policy, and the queue, alone.
    expect((await patch(`/v1/media/${created.id}`, { caption: 'x' })).status).toBe(200);
    expect((await view(keepUrl, { 'if-none-match': String(after.etag) })).status).toBe(304);
    expect(await mediaItem(created.id)).not.toHaveProperty('gsi2pk');

    const revoked = await patch(`/v1/media/${created.id}`, { keep_metadata: false });
    expect(revoked.status).toBe(200);
    expect(await json(revoked)).not.toHaveProperty('keep_metadata');
    const again = await view(keepUrl, { 'if-none-match': String(after.etag) });
    expect(again.status).toBe(200);
    expect(again.etag).toBe(before.etag);
    expectNoPrivateMetadata(again.exif, 'revoked');
    expect(await runtime.runCleanup()).toMatchObject({ invalidated: 1, failed: 0 });
  });

  it('is set by batch PATCH, import and direct upload alike', async () => {
    const [one, two] = [await uploadPhoto(), await uploadPhoto()];
    const batch = await patch('/v1/media/batch', { ids: [one?.id, two?.id], keep_metadata: true });
    expect(batch.status).toBe(200);
    const { media } = (await batch.json()) as { media: Record<string, unknown>[] };
    expect(media.map((item) => item.keep_metadata)).toEqual([true, true]);
    expectFullMetadata((await view(`${two?.link}?metadata=keep`)).exif, 'batch');

    const imported = await fetch(`${runtime.url}/v1/import`, {
      method: 'POST',
      headers: { ...authHeaders(key), 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${origin.url}/photo.jpg`, keep_metadata: true }),
    });
    expect(imported.status).toBe(201);
    const importedBody = await json(imported);
    expect(importedBody.keep_metadata).toBe(true);
    expectFullMetadata((await view(`${importedBody.link}?metadata=keep`)).exif, 'import');

    const started = await startDirectUpload(runtime.url, { size: photo.length, keep_metadata: 'true' }, key);
    expect(started.status).toBe(201);
    const { upload_id, upload: form } = (await started.json()) as {
      upload_id: string;
      upload: { url: string; fields: Record<string, string> };
    };
    expect((await sendToStorage(form, photo)).status).toBeLessThan(300);
    const completed = await completeDirectUpload(runtime.url, upload_id, key);
    expect(completed.status).toBe(201);
    const direct = await json(completed);
    expect(direct.keep_metadata).toBe(true);
    expectFullMetadata((await view(`${direct.link}?metadata=keep`)).exif, 'direct upload');
  });

  it('refuses a value that is not a boolean, storing and changing nothing', async () => {
    const items = (await runtime.mediaItems()).length;
    const objects = (await runtime.objectKeys()).length;
    for (const value of ['yes', '1', '']) {
      const refused = await upload(runtime.url, { file: photo, key, fields: { keep_metadata: value } });
      expect(refused.status, value).toBe(422);
      const body = await json(refused);
      expect(body).toMatchObject({ error: 'validation_error' });
      expect(Object.keys(body.errors as object)).toEqual(['keep_metadata']);
    }
    const direct = await startDirectUpload(runtime.url, { size: photo.length, keep_metadata: 'on' }, key);
    expect(direct.status).toBe(422);
    expect(await runtime.mediaItems()).toHaveLength(items);
    expect(await runtime.objectKeys()).toHaveLength(objects);

    const created = await uploadPhoto();
    for (const body of [
      { keep_metadata: 'true' },
      { keep_metadata: null },
      { keep_metadata: 1 },
      { keep_metadata: true, caption: 'c'.repeat(3_000) },
    ]) {
      const refused = await patch(`/v1/media/${created.id}`, body);
      expect(refused.status, JSON.stringify(body)).toBe(422);
      expect(await json(refused)).toMatchObject({ error: 'validation_error' });
    }
    const batch = await patch('/v1/media/batch', { ids: [created.id], keep_metadata: 'yes' });
    expect(batch.status).toBe(422);
    expect(Object.keys((await json(batch)).errors as object)).toEqual(['keep_metadata']);
    expect(await mediaItem(created.id)).toMatchObject({ keep_metadata: false });
    expectNoPrivateMetadata((await view(`${created.link}?metadata=keep`)).exif, 'after refusals');
  });

  it('lets an anonymous uploader decide for their own upload', async () => {
    const anonymous = await uploadPhoto({}, { anonymous: true });
    expectNoPrivateMetadata((await view(`${anonymous.link}?metadata=keep`)).exif, 'anonymous');
    const allowed = await uploadPhoto({ keep_metadata: 'true' }, { anonymous: true });
    expect(allowed.keep_metadata).toBe(true);
    expectFullMetadata((await view(`${allowed.link}?metadata=keep`)).exif, 'anonymous, allowed');
  });
});
