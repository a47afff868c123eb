import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { animation, bmp, ico, jpeg, png, tinyHeic } from '#test/fixtures';
import { authHeaders, json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

let runtime: TestRuntime;
let key: string;
let teamId: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  ({ key, teamId } = await runtime.newKey());
});
afterEach(() => runtime.expectCountersToMatchMedia());
afterAll(() => runtime?.stop());

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('POST /v1/upload with an API key', () => {
  it('stores the image and answers 201 with exactly the reference fields', async () => {
    const file = await jpeg(64, 48);
    const before = nowSeconds();
    const response = await upload(runtime.url, { file, key, fields: { caption: 'Hero shot' } });

    expect(response.status).toBe(201);
    const body = await json(response);
    // The reference's fields, plus the additive ones: `sizes` (img.pro's newer image object has it),
    // the facts computed at ingest, and `public`.
    expect(Object.keys(body).sort()).toEqual(
      [
        ...['caption', 'created_at', 'extension', 'filesize', 'height', 'id', 'link', 'width'],
        ...['sizes', 'animated', 'color_space', 'frames', 'has_alpha', 'placeholder', 'public'],
      ].sort(),
    );
    expect(body).toMatchObject({
      caption: 'Hero shot',
      extension: 'jpeg',
      width: 64,
      height: 48,
      filesize: file.length,
      link: `${runtime.url}/${body.id}`,
      public: true,
      // Never enlarged: a 64×48 image is its own small, medium and large.
      sizes: { small: { url: `${runtime.url}/${body.id}?size=small`, width: 64, height: 48 } },
    });
    expect(body.id).toMatch(/^[0-9A-Za-z]{14}$/);
    expect(body.created_at).toBeGreaterThanOrEqual(before);
    expect(body.created_at).toBeLessThanOrEqual(nowSeconds());
    expect(await runtime.objectKeys()).toContain(`originals/${body.id}`);
  });

  it('echoes attribution fields at the top level and keeps them on GET', async () => {
    const response = await upload(runtime.url, {
      file: await png(),
      key,
      fields: { author: 'Jane Doe', license: 'cc-by-4.0' },
    });
    const body = await json(response);
    expect(response.status).toBe(201);
    expect(body).toMatchObject({ author: 'Jane Doe', license: 'cc-by-4.0', extension: 'png', caption: null });

    const fetched = await fetch(`${runtime.url}/v1/media/${body.id}`, { headers: authHeaders(key) });
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toEqual(body);
  });

  it('is permanent unless a ttl is given, which sets expires_at', async () => {
    const permanent = await json(await upload(runtime.url, { file: await jpeg(), key }));
    expect(permanent).not.toHaveProperty('expires_at');

    const before = nowSeconds();
    const temporary = await json(
      await upload(runtime.url, { file: await jpeg(), key, fields: { ttl: '2h' } }),
    );
    expect(temporary.expires_at).toBeGreaterThanOrEqual(before + 7_200);
    expect(temporary.expires_at).toBeLessThanOrEqual(nowSeconds() + 7_200);
  });

  it('detects the format from the bytes, not the filename or declared type', async () => {
    const response = await upload(runtime.url, {
      file: await png(30, 20),
      key,
      filename: 'photo.jpg',
      type: 'image/jpeg',
    });
    expect(await json(response)).toMatchObject({ extension: 'png', width: 30, height: 20 });
  });

  it.each([
    [
      'webp',
      () =>
        sharp({ create: { width: 20, height: 10, channels: 3, background: 'red' } })
          .webp()
          .toBuffer(),
    ],
    [
      'avif',
      () =>
        sharp({ create: { width: 20, height: 10, channels: 3, background: 'red' } })
          .avif()
          .toBuffer(),
    ],
    [
      'gif',
      () =>
        sharp({ create: { width: 20, height: 10, channels: 3, background: 'red' } })
          .gif()
          .toBuffer(),
    ],
    [
      'svg',
      async () =>
        Buffer.from(
          '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10"/></svg>',
        ),
    ],
  ])('accepts %s', async (extension, make) => {
    const response = await upload(runtime.url, { file: await make(), key });
    expect(response.status).toBe(201);
    expect(await json(response)).toMatchObject({ extension, width: 20, height: 10 });
  });

  it('stores HEIC as an upright JPEG with extension "jpg"', async () => {
    const response = await upload(runtime.url, { file: await tinyHeic(), key, filename: 'IMG_0001.HEIC' });
    const body = await json(response);
    expect(response.status).toBe(201);
    expect(body).toMatchObject({ extension: 'jpg', width: 64, height: 48 });
    const served = await fetch(body.link as string);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await served.arrayBuffer());
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'jpeg', width: 64, height: 48 });
    expect(body.filesize).toBe(bytes.length);
  });

  it.each([
    ['bmp', 'image/bmp', () => bmp(12, 7)],
    ['ico', 'image/x-icon', async () => ico([await png(16, 16), await png(32, 32)])],
  ])('accepts %s and serves it as stored', async (extension, contentType, make) => {
    const file = await make();
    const body = await json(await upload(runtime.url, { file, key }));
    expect(body).toMatchObject({ extension, filesize: file.length });
    const served = await fetch(body.link as string);
    expect(served.headers.get('content-type')).toBe(contentType);
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(file))).toBe(true);
  });

  it('reports one frame of an animated GIF', async () => {
    const body = await json(await upload(runtime.url, { file: await animation('gif', 20, 10, 4), key }));
    expect(body).toMatchObject({ extension: 'gif', width: 20, height: 10 });
  });

  it('counts the upload against the team exactly once', async () => {
    const before = await runtime.admin.showTeam(teamId);
    const file = await jpeg(10, 10);
    expect((await upload(runtime.url, { file, key })).status).toBe(201);
    const after = await runtime.admin.showTeam(teamId);
    expect(after.media_stored).toBe(before.media_stored + 1);
    expect(after.storage_used_bytes).toBe(before.storage_used_bytes + file.length);
  });
});

describe('POST /v1/upload without a key', () => {
  it('expires within 30 days and carries the upgrade object', async () => {
    const before = nowSeconds();
    const response = await upload(runtime.url, { file: await jpeg() });
    expect(response.status).toBe(201);
    const body = await json(response);
    expect(body.expires_at).toBe((body.created_at as number) + 30 * 86_400);
    expect(body.created_at).toBeGreaterThanOrEqual(before);
    expect(body.upgrade).toEqual({
      type: 'register',
      url: expect.stringMatching(/^https?:\/\//),
      message: expect.any(String),
      label: expect.any(String),
    });
  });

  it('honours a shorter ttl', async () => {
    const body = await json(await upload(runtime.url, { file: await jpeg(), fields: { ttl: '600' } }));
    expect(body.expires_at).toBe((body.created_at as number) + 600);
  });

  it('belongs to no team and is readable by anyone', async () => {
    const body = await json(await upload(runtime.url, { file: await jpeg() }));
    const item = (await runtime.mediaItems()).find((media) => media.id === body.id);
    expect(item).toBeDefined();
    expect(item?.team_id).toBeUndefined();
    expect((await fetch(`${runtime.url}/v1/media/${body.id}`)).status).toBe(200);
  });
});
