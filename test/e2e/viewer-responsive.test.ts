import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudFrontFunction } from '#local/lambda/integrations';
import { BROWSER_ACCEPT } from '#test/accept';
import { quadrants } from '#test/fixtures';
import { json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';
import { buildViewerRequestCode } from '../../lib/edge/build.ts';
import { ACCEPT_CLASS_HEADER } from '../../lib/edge/viewer-request.ts';

/**
 * format=auto, named sizes and CORS through the local runtime: what a browser of each Accept class
 * gets, and the cache key the viewer's CloudFront Function (the synthesized code) gives it.
 */
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

let runtime: TestRuntime;
let photo: { id: string; body: Record<string, unknown> };

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${runtime.url}${path}`, { headers });
const bytesOf = async (response: Response) => Buffer.from(await response.arrayBuffer());

/** The cache key CloudFront would look up: the edge function's query and accept class. */
const edge = cloudFrontFunction(buildViewerRequestCode());
const cacheKey = (uri: string, query: string, accept: string) => {
  const request = edge({
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '192.0.2.1' },
    request: {
      method: 'GET',
      uri,
      querystring: {},
      rawQueryString: () => query,
      headers: { host: { value: 'i.example.com' }, accept: { value: accept } },
      cookies: {},
    },
  }) as { querystring: string; headers: Record<string, { value: string }> };
  return { query: request.querystring, class: request.headers[ACCEPT_CLASS_HEADER]?.value };
};

beforeAll(async () => {
  runtime = await startTestRuntime();
  const { key } = await runtime.newKey();
  const body = await json(
    await upload(runtime.url, { file: await quadrants(1600, 1200).jpeg().toBuffer(), key }),
  );
  photo = { id: body.id as string, body };
});
afterAll(() => runtime?.stop());

describe('format=auto', () => {
  it.each([
    ['Chrome 131', 'image/avif', BROWSER_ACCEPT.chrome131, 'heif'],
    ['Safari 17', 'image/avif', BROWSER_ACCEPT.safari17, 'heif'],
    ['Chrome 80', 'image/webp', BROWSER_ACCEPT.chrome80, 'webp'],
    ['Safari 13', 'image/jpeg', BROWSER_ACCEPT.safari13, 'jpeg'],
    ['curl', 'image/jpeg', '*/*', 'jpeg'],
  ])('answers %s with %s, varying by Accept', async (_, contentType, accept, decoded) => {
    const response = await get(`/${photo.id}?format=auto&w=800`, { accept });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(contentType);
    expect(response.headers.get('vary')).toBe('Accept');
    const metadata = await sharp(await bytesOf(response)).metadata();
    expect(metadata.format).toBe(decoded);
    expect(metadata.width).toBe(800);
  });

  it('hits one cache key, and serves the same bytes, for two Chrome versions', async () => {
    const older = cacheKey(`/${photo.id}`, 'format=auto&w=800', BROWSER_ACCEPT.chrome85);
    const newer = cacheKey(`/${photo.id}`, 'w=0800&format=AUTO&utm_source=x', BROWSER_ACCEPT.chrome131);
    expect(newer).toEqual(older);
    expect(older).toEqual({ query: 'format=auto&w=800', class: 'avif' });
    // Another class is another key.
    expect(cacheKey(`/${photo.id}`, 'format=auto&w=800', BROWSER_ACCEPT.chrome80).class).toBe('webp');

    const [a, b] = await Promise.all([
      get(`/${photo.id}?format=auto&w=800`, { accept: BROWSER_ACCEPT.chrome85 }),
      get(`/${photo.id}?w=0800&format=AUTO&utm_source=x`, { accept: BROWSER_ACCEPT.chrome131 }),
    ]);
    expect(b.headers.get('etag')).toBe(a.headers.get('etag'));
    expect((await bytesOf(b)).equals(await bytesOf(a))).toBe(true);
  });

  it('tags each class apart, and revalidates within it', async () => {
    const etags = new Set<string | null>();
    for (const accept of [BROWSER_ACCEPT.chrome131, BROWSER_ACCEPT.chrome80, '*/*'])
      etags.add((await get(`/${photo.id}?format=auto&w=800`, { accept })).headers.get('etag'));
    expect(etags.size).toBe(3);
    const avif = (
      await get(`/${photo.id}?format=auto&w=800`, { accept: BROWSER_ACCEPT.firefox })
    ).headers.get('etag');
    const again = await get(`/${photo.id}?format=auto&w=800`, {
      accept: BROWSER_ACCEPT.chrome131,
      'if-none-match': avif ?? '',
    });
    expect(again.status).toBe(304);
    expect(again.headers.get('vary')).toBe('Accept');
  });

  it('lets an extension decide the format (no Vary), and keeps auto out of the page’s image URL', async () => {
    const jpg = await get(`/${photo.id}.jpg?format=auto&w=100`, { accept: BROWSER_ACCEPT.chrome131 });
    expect(jpg.headers.get('content-type')).toBe('image/jpeg');
    expect(jpg.headers.get('vary')).toBeNull();
    const html = await (await get(`/${photo.id}?format=auto&w=100`, { accept: BROWSER })).text();
    expect(html).toContain(`<meta property="og:image" content="${runtime.url}/${photo.id}.jpg?w=100">`);
  });
});

describe('named sizes', () => {
  it('lists small, medium and large on the media object, each served at the size it states', async () => {
    const sizes = photo.body.sizes as Record<string, { url: string; width: number; height: number }>;
    expect(sizes).toEqual({
      small: { url: `${runtime.url}/${photo.id}?size=small`, width: 427, height: 320 },
      medium: { url: `${runtime.url}/${photo.id}?size=medium`, width: 853, height: 640 },
      large: { url: `${runtime.url}/${photo.id}?size=large`, width: 1440, height: 1080 },
    });
    const listed = await json(await get(`/v1/media/${photo.id}`));
    expect(listed.sizes).toEqual(sizes);
    for (const variant of Object.values(sizes)) {
      const response = await fetch(variant.url, { headers: { accept: BROWSER_ACCEPT.chrome131 } });
      const { width, height } = await sharp(await bytesOf(response)).metadata();
      expect({ width, height }).toEqual({ width: variant.width, height: variant.height });
    }
  });

  it('serves the social card at 1200×630, and twice that at dpr=2 where the original allows', async () => {
    const card = await sharp(await bytesOf(await get(`/${photo.id}?size=social`))).metadata();
    expect([card.width, card.height]).toEqual([1200, 630]);
    const sharper = await sharp(await bytesOf(await get(`/${photo.id}?size=small&dpr=2`))).metadata();
    expect([sharper.width, sharper.height]).toEqual([853, 640]);
  });
});

describe('gravity=face', () => {
  it('says no face model is configured, rather than cropping elsewhere', async () => {
    const response = await get(`/${photo.id}?w=100&h=100&fit=cover&gravity=face`);
    expect(response.status).toBe(422);
    const body = await json(response);
    expect(body).toMatchObject({ error: 'validation_error' });
    expect(body.message).toContain('none is configured');
    // Where nothing is cropped, gravity counts for nothing and the image is served.
    expect((await get(`/${photo.id}?w=100&gravity=face`)).status).toBe(200);
  });
});

describe('CORS', () => {
  it('lets any site fetch and time images, but not the page', async () => {
    const image = await get(`/${photo.id}?w=10`, { accept: '*/*', origin: 'https://elsewhere.example' });
    expect(image.headers.get('access-control-allow-origin')).toBe('*');
    expect(image.headers.get('timing-allow-origin')).toBe('*');
    const revalidated = await get(`/${photo.id}?w=10`, { 'if-none-match': image.headers.get('etag') ?? '' });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get('access-control-allow-origin')).toBe('*');
    const page = await get(`/${photo.id}`, { accept: BROWSER });
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});
