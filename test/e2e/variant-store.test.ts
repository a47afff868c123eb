import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VARIANT_LIFETIME_DAYS } from '#core/store/object-keys';
import { REMEMBERED_DAYS } from '#core/variants/budget';
import { variantKey } from '#core/variants/store';
import { jpeg } from '#test/fixtures';
import { authHeaders, json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';
import { fingerprintOf } from '../../lambdas/viewer/viewer.ts';

/**
 * The variant store over the local runtime: rendered variants are written to the bucket, read
 * before any render, and removed with their media. There is no CDN here, so every request is a
 * miss; what the viewer served from the store is told apart from a render by planting other bytes
 * under the variant's key. A streamed answer (the synthesized function, under `npm run
 * test:deploy`) ends before its write does, so the bucket is polled for what a view stores.
 */
let runtime: TestRuntime;
let key: string;
const QUERY = 'w=32&format=webp';
/** QUERY in canonical form, as the store keys it. */
const CANONICAL = 'format=webp&w=32';

beforeAll(async () => {
  runtime = await startTestRuntime();
  ({ key } = await runtime.newKey());
});
afterAll(() => runtime?.stop());

const newMedia = async (fields: Record<string, string> = {}) => {
  const created = await json(await upload(runtime.url, { file: await jpeg(64, 48), key, fields }));
  return { id: String(created.id), link: String(created.link) };
};
const view = async (link: string, query = QUERY) => {
  const response = await fetch(`${link}?${query}`, { headers: { accept: 'image/*' } });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
};
const storedOf = async (id: string) =>
  (await runtime.objectKeys()).filter((name) => name.startsWith(`variants/${id}/`));
const readObject = async (name: string) => {
  const object = await runtime.s3.send(new GetObjectCommand({ Bucket: runtime.bucketName, Key: name }));
  const body = await object.Body?.transformToByteArray();
  return { body: Buffer.from(body ?? []), contentType: object.ContentType };
};
/** Other bytes under a variant's key: served only if the viewer reads the store. */
const plant = async (name: string, contentType = 'image/webp') => {
  const body = await sharp({ create: { width: 5, height: 5, channels: 3, background: '#0f0' } })
    .webp()
    .toBuffer();
  await runtime.s3.send(
    new PutObjectCommand({ Bucket: runtime.bucketName, Key: name, Body: body, ContentType: contentType }),
  );
  return body;
};
const patch = (id: string, body: unknown) =>
  fetch(`${runtime.url}/v1/media/${id}`, {
    method: 'PATCH',
    headers: { ...authHeaders(key), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
/** Runs the job until it has nothing left to do, as successive scheduled runs would. */
const drainCleanup = async () => {
  for (let run = 0; run < 20; run++) {
    const report = await runtime.runCleanup();
    expect(report.failed).toBe(0);
    if (Object.values(report).every((count) => count === 0)) return;
  }
  throw new Error('cleanup never settled');
};

describe('the variant store', () => {
  it('keeps format=auto apart by image class: an AVIF stored for one client is never served to another', async () => {
    const { id, link } = await newMedia();
    const asked = async (accept: string) => {
      const response = await fetch(`${link}?format=auto&w=40`, { headers: { accept } });
      expect(response.status).toBe(200);
      return response.headers.get('content-type');
    };
    expect(await asked('image/avif,image/webp,*/*')).toBe('image/avif');
    await expect.poll(() => storedOf(id)).toHaveLength(1);
    expect(await asked('image/webp,*/*')).toBe('image/webp');
    expect(await asked('*/*')).toBe('image/jpeg');
    await expect.poll(() => storedOf(id)).toHaveLength(3);
    // Each class again, now from the store: still its own format.
    expect(await asked('image/avif,image/webp,*/*')).toBe('image/avif');
    expect(await asked('image/webp,*/*')).toBe('image/webp');
  });

  it('keeps a rendered variant under its media, and serves the next miss from there', async () => {
    const { id, link } = await newMedia();
    const first = await view(link);
    expect(first.status).toBe(200);
    expect(await sharp(first.body).metadata()).toMatchObject({ format: 'webp', width: 32 });

    const name = variantKey(id, fingerprintOf(CANONICAL));
    await expect.poll(() => storedOf(id)).toEqual([name]);
    expect(await readObject(name)).toEqual({ body: first.body, contentType: 'image/webp' });

    const planted = await plant(name);
    const second = await view(link);
    expect(second.status).toBe(200);
    expect(second.body.equals(planted)).toBe(true);
  });

  it('renders again rather than serve a stored object without an image type', async () => {
    const { id, link } = await newMedia();
    const rendered = await view(link);
    const name = variantKey(id, fingerprintOf(CANONICAL));
    await expect.poll(() => storedOf(id)).toEqual([name]);
    // S3's default type: what a reader could meet while an emulator was still writing the metadata.
    const planted = await plant(name, 'binary/octet-stream');
    const again = await fetch(`${link}?${QUERY}`, { headers: { accept: 'image/*' } });
    expect(again.headers.get('content-type')).toBe('image/webp');
    const body = Buffer.from(await again.arrayBuffer());
    expect(body.equals(planted)).toBe(false);
    expect(body.equals(rendered.body)).toBe(true);
  });

  it('stores neither the plain link nor a metadata policy alone', async () => {
    const { id, link } = await newMedia();
    expect((await view(link, '')).status).toBe(200);
    expect((await view(link, 'metadata=none')).status).toBe(200);
    // Then a variant that is stored: once it is there, it is the only one.
    expect((await view(link)).status).toBe(200);
    await expect.poll(() => storedOf(id)).toEqual([variantKey(id, fingerprintOf(CANONICAL))]);
  });

  it('never serves a variant stored by another pipeline', async () => {
    const { id, link } = await newMedia();
    const stale = variantKey(id, fingerprintOf(CANONICAL, '0/0.0.0/0.0.0'));
    const planted = await plant(stale);
    const served = await view(link);
    expect(served.status).toBe(200);
    expect(served.body.equals(planted)).toBe(false);
    expect(await sharp(served.body).metadata()).toMatchObject({ format: 'webp', width: 32 });
    await expect
      .poll(async () => (await storedOf(id)).sort())
      .toEqual([stale, variantKey(id, fingerprintOf(CANONICAL))].sort());
  });

  it('keys a variant by the metadata policy its owner allows', async () => {
    const { id, link } = await newMedia();
    // Not allowed: `metadata=keep` is the plain variant, under the plain variant's key.
    await view(link, `${QUERY}&metadata=keep`);
    await view(link);
    await expect.poll(() => storedOf(id)).toEqual([variantKey(id, fingerprintOf(CANONICAL))]);
    expect((await patch(id, { keep_metadata: true })).status).toBe(200);
    await view(link, `${QUERY}&metadata=keep`);
    await expect.poll(() => storedOf(id)).toHaveLength(2);
  });

  it('outlives no admission the variant budget still remembers', () => {
    expect(VARIANT_LIFETIME_DAYS).toBeLessThanOrEqual(REMEMBERED_DAYS);
  });
});

describe('stored variants leave with their media', () => {
  it('when it is deleted, expires or is made private; those of live public media stay', async () => {
    const kept = await newMedia();
    const deleted = await newMedia();
    const expiring = await newMedia({ ttl: '300' });
    const hidden = await newMedia();
    for (const media of [kept, deleted, expiring, hidden]) {
      expect((await view(media.link)).status).toBe(200);
      expect((await view(media.link, 'w=16&format=avif')).status).toBe(200);
      await expect.poll(() => storedOf(media.id)).toHaveLength(2);
    }

    const removed = await fetch(`${runtime.url}/v1/media/${deleted.id}`, {
      method: 'DELETE',
      headers: authHeaders(key),
    });
    expect(removed.status).toBe(204);
    expect((await patch(hidden.id, { public: false })).status).toBe(200);
    runtime.clock.advance(301);
    // Unreachable at once: the viewer reads the record before the store.
    for (const media of [deleted, expiring, hidden]) expect((await view(media.link)).status).toBe(404);

    await drainCleanup();
    for (const media of [deleted, expiring, hidden]) expect(await storedOf(media.id)).toEqual([]);
    expect(await storedOf(kept.id)).toHaveLength(2);
    expect((await view(kept.link)).status).toBe(200);
  });
});
