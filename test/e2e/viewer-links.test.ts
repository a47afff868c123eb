import { PutObjectCommand } from '@aws-sdk/client-s3';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '#core/store/keys';
import { animation, jpeg, PRIVATE_EXIF, quadrants, splitImage } from '#test/fixtures';
import { authHeaders, json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const IMG_TAG = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const YEAR = 'public, max-age=31536000, immutable';

let runtime: TestRuntime;
let key: string;
let photo: { id: string; link: string };

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(`${runtime.url}${path}`, { method, headers });
const bytesOf = async (response: Response) => Buffer.from(await response.arrayBuffer());
const store = async (file: Uint8Array, fields: Record<string, string> = {}) => {
  const created = await json(await upload(runtime.url, { file, key, fields }));
  return { id: created.id as string, link: created.link as string };
};

beforeAll(async () => {
  runtime = await startTestRuntime();
  ({ key } = await runtime.newKey());
  photo = await store(await splitImage(60, 40).jpeg().withExif(PRIVATE_EXIF).toBuffer(), {
    caption: 'Sunset "over" <the> bay & more',
  });
});
afterAll(() => runtime?.stop());

describe('link semantics', () => {
  it('answers a browser with an HTML page whose Open Graph tags carry the same transforms', async () => {
    const response = await get(`/${photo.id}?w=30&junk=1&format=webp`, { accept: BROWSER });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('vary')).toBe('Accept');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await response.text();
    const image = `${runtime.url}/${photo.id}.webp?format=webp&amp;w=30`;
    expect(html).toContain(`<meta property="og:image" content="${image}">`);
    expect(html).toContain(`<meta name="twitter:image" content="${image}">`);
    expect(html).toContain('<meta name="twitter:card" content="summary_large_image">');
    expect(html).toContain('<meta property="og:image:width" content="30">');
    expect(html).toContain('<meta property="og:image:height" content="20">');
    expect(html).toContain(
      `<meta property="og:url" content="${runtime.url}/${photo.id}?format=webp&amp;w=30">`,
    );
    expect(html).toContain('<title>Sunset &quot;over&quot; &lt;the&gt; bay &amp; more</title>');
    expect(html).not.toContain('<the>');
  });

  it('escapes a hostile caption everywhere it appears', async () => {
    const hostile = await store(await jpeg(), {
      caption: '"><script>alert(1)</script><img src=x onerror=alert(2)>',
    });
    const html = await (await get(`/${hostile.id}`, { accept: BROWSER })).text();
    // Inert once escaped: no tag can start inside the text.
    expect(html).not.toMatch(/<script|<img src=x/);
    expect(html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('answers image bytes to image requests, curl and clients without Accept', async () => {
    for (const accept of [IMG_TAG, '*/*', undefined]) {
      const response = await get(`/${photo.id}?format=png`, accept ? { accept } : {});
      expect(response.status, String(accept)).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(response.headers.get('vary')).toBe('Accept');
      expect((await sharp(await bytesOf(response)).metadata()).format).toBe('png');
    }
  });

  it('always answers bytes at /<id>.<ext>, the extension acting as format (and winning)', async () => {
    const webp = await get(`/${photo.id}.webp`, { accept: BROWSER });
    expect(webp.headers.get('content-type')).toBe('image/webp');
    expect(webp.headers.get('vary')).toBeNull();
    expect((await sharp(await bytesOf(webp)).metadata()).format).toBe('webp');
    const png = await get(`/${photo.id}.png?format=jpg&w=10`);
    expect(await sharp(await bytesOf(png)).metadata()).toMatchObject({ format: 'png', width: 10 });
    const stored = await get(`/${photo.id}.jpeg`);
    expect(stored.headers.get('content-type')).toBe('image/jpeg');
  });

  it('answers HEAD with the headers and length of GET, and no body', async () => {
    const got = await get(`/${photo.id}?w=20`);
    const body = await bytesOf(got);
    const head = await get(`/${photo.id}?w=20`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(body.length));
    expect(head.headers.get('etag')).toBe(got.headers.get('etag'));
    expect((await bytesOf(head)).length).toBe(0);
    const page = await get(`/${photo.id}`, { accept: BROWSER }, 'HEAD');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('ignores bad parameters: never an error, never a different image', async () => {
    const plain = await get(`/${photo.id}`);
    const noisy = await get(
      `/${photo.id}?w=abc&rotate=45&brightness=99&blur=-1&format=tiff&segment=everything&x=1`,
    );
    expect(noisy.status).toBe(200);
    expect(noisy.headers.get('etag')).toBe(plain.headers.get('etag'));
    expect((await bytesOf(noisy)).equals(await bytesOf(plain))).toBe(true);
  });

  it('applies the transforms: pixels come back rotated, mirrored and resized', async () => {
    const id = (await store(await quadrants(40, 20).png().toBuffer())).id;
    const out = await sharp(await bytesOf(await get(`/${id}?rotate=90&flip=h&w=10`)))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([out.info.width, out.info.height]).toEqual([10, 20]);
    // Turned clockwise then mirrored: red (the top left quadrant) ends up top left again.
    expect(out.data[0]).toBeGreaterThan(180);
    expect(out.data[2]).toBeLessThan(80);
  });
});

describe('not found', () => {
  /**
   * Both as a page (an HTML 404 for the person) and as image bytes (the JSON one): an image seen
   * before has its original in memory.
   */
  const expectNotFound = async (path: string) => {
    for (const accept of [BROWSER, 'image/webp,*/*']) {
      const response = await get(path, { accept });
      expect(response.status, `${path} (${accept})`).toBe(404);
      expect(response.headers.get('cache-control'), path).toBe('public, max-age=60');
      if (accept === BROWSER) expect(await response.text()).toContain('<h1>Nothing here</h1>');
      else expect(await json(response)).toMatchObject({ error: 'not_found' });
    }
  };

  it('for unknown ids, paths that are no link, and extensions the image is not', async () => {
    for (const path of [
      '/AAAAAAAAAAAAAA',
      '/AAAAAAAAAAAAAA.webp',
      '/nope',
      '/',
      `/${photo.id}.svg`,
      `/${photo.id}.tiff`,
      `/${photo.id}/x`,
    ]) {
      await expectNotFound(path);
    }
  });

  it('for private, deleted and expired media', async () => {
    const hidden = await store(await jpeg(), { public: 'false' });
    await expectNotFound(`/${hidden.id}?w=10`);

    // Seen first, so its original is in the viewer's memory: the record still decides.
    const hiddenLater = await store(await jpeg());
    expect((await get(`/${hiddenLater.id}?w=10`)).status).toBe(200);
    const hiding = await fetch(`${runtime.url}/v1/media/${hiddenLater.id}`, {
      method: 'PATCH',
      headers: { ...authHeaders(key), 'content-type': 'application/json' },
      body: JSON.stringify({ public: false }),
    });
    expect(hiding.status).toBe(200);
    await expectNotFound(`/${hiddenLater.id}?w=10`);

    const deleted = await store(await jpeg());
    expect((await get(`/${deleted.id}`)).status).toBe(200);
    await fetch(`${runtime.url}/v1/media/${deleted.id}`, { method: 'DELETE', headers: authHeaders(key) });
    await expectNotFound(`/${deleted.id}`);

    const expiring = await store(await jpeg(), { ttl: '1h' });
    expect((await get(`/${expiring.id}`)).status).toBe(200);
    await runtime.db.send(
      new UpdateCommand({
        TableName: runtime.tableName,
        Key: keys.media(expiring.id),
        UpdateExpression: 'SET expires_at = :past',
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    await expectNotFound(`/${expiring.id}.png`);
  });
});

describe('caching', () => {
  it('gives permanent public media a year, immutable, and a strong ETag', async () => {
    const response = await get(`/${photo.id}?w=20`);
    expect(response.headers.get('cache-control')).toBe(YEAR);
    expect(response.headers.get('etag')).toMatch(/^"[\w-]{20,}"$/);
  });

  it('never caches media with a TTL past its expiry', async () => {
    const expiring = await store(await jpeg(), { ttl: '1h' });
    const maxAge = Number(
      /max-age=(\d+)/.exec((await get(`/${expiring.id}`)).headers.get('cache-control') ?? '')?.[1],
    );
    expect(maxAge).toBeGreaterThan(3500);
    expect(maxAge).toBeLessThanOrEqual(3600);
  });

  it('answers 304 to a matching If-None-Match, without a body', async () => {
    const first = await get(`/${photo.id}?format=webp`);
    const etag = first.headers.get('etag') ?? '';
    const again = await get(`/${photo.id}?format=webp`, { 'if-none-match': `"other", ${etag}` });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe(YEAR);
    expect((await bytesOf(again)).length).toBe(0);
    expect((await get(`/${photo.id}?format=avif`, { 'if-none-match': etag })).status).toBe(200);
  });

  it('is one variant for reordered, junk-carrying queries, and another for other transforms', async () => {
    const etagOf = async (query: string) => (await get(`/${photo.id}?${query}`)).headers.get('etag');
    const base = await etagOf('w=20&format=webp');
    expect(await etagOf('format=webp&w=20')).toBe(base);
    expect(await etagOf('format=webp&w=20&utm_source=x&w=20')).toBe(base);
    expect(await etagOf('format=WEBP&w=020')).toBe(base);
    expect(await etagOf('format=webp&w=21')).not.toBe(base);
  });

  it('answers no-store when the stored image cannot be served (5xx)', async () => {
    const broken = await store(await jpeg());
    await runtime.s3.send(
      new PutObjectCommand({
        Bucket: runtime.bucketName,
        Key: `originals/${broken.id}`,
        Body: Buffer.from('not an image'),
      }),
    );
    const response = await get(`/${broken.id}?w=10`);
    expect(response.status).toBe(500);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await json(response)).toMatchObject({ error: 'internal_error' });
  });
});

describe('SVG safety', () => {
  const hostile = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" onload="alert(1)">' +
      '<script>alert(2)</script><a href="javascript:alert(3)"><rect width="16" height="16" fill="red"/></a>' +
      '<image href="https://evil.example/x.png" width="1" height="1"/></svg>',
  );

  it('serves only the sanitised drawing, sandboxed and never sniffed', async () => {
    const { id } = await store(hostile);
    const response = await get(`/${id}`, { accept: IMG_TAG });
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    );
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const text = await response.text();
    expect(text).toContain('<rect width="16" height="16" fill="red"/>');
    expect(text).not.toMatch(/script|alert|onload|javascript|evil/);
  });

  it('rasterises it as soon as a transform is asked, and unfurls it as PNG', async () => {
    const { id } = await store(hostile);
    const response = await get(`/${id}?w=8`);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('content-security-policy')).toBeNull();
    expect(await sharp(await bytesOf(response)).metadata()).toMatchObject({ format: 'png', width: 8 });
    const html = await (await get(`/${id}`, { accept: BROWSER })).text();
    expect(html).toContain(`${runtime.url}/${id}.png"`);
  });
});

describe('animation', () => {
  it('stays animated through transforms, as WebP or GIF', async () => {
    const { id } = await store(await animation('gif', 20, 10, 3));
    const webp = await sharp(await bytesOf(await get(`/${id}?format=webp&saturation=0`)), {
      animated: true,
    }).metadata();
    expect(webp).toMatchObject({ format: 'webp', pages: 3, width: 20, pageHeight: 10 });
    const turned = await sharp(await bytesOf(await get(`/${id}.gif?rotate=90`)), {
      animated: true,
    }).metadata();
    expect(turned).toMatchObject({ format: 'gif', pages: 3, width: 10, pageHeight: 20 });
    const still = await sharp(await bytesOf(await get(`/${id}.png`))).metadata();
    expect(still).toMatchObject({ width: 20, height: 10 });
    expect(still.pages ?? 1).toBe(1);
  });
});
