import type { LookupAddress } from 'node:dns';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImageFetcher, type ImageFetcherOptions } from '#core/imports/fetch-image';
import { answerTo } from '#test/errors';
import { png } from '#test/fixtures';
import { type RecordingServer, startRecordingServer } from '#test/servers';

/**
 * The import fetcher against real loopback servers. "internal" stands for anything private; the
 * "public" server runs on 127.0.0.2, which these tests alone treat as a public address, so a legit
 * first hop can redirect into a refused one.
 */
let internal: RecordingServer;
let publicSite: RecordingServer;
let image: Buffer;

const NAMES: Record<string, string> = {
  'public.test': '127.0.0.2',
  'loopback.test': '127.0.0.1',
  'metadata.test': '169.254.169.254',
  'private.test': '10.0.0.1',
  'cgnat.test': '100.64.0.1',
  'ula.test': 'fd00::1',
  'mapped.test': '::ffff:127.0.0.1',
  'unspecified.test': '0.0.0.0',
};

const resolve = async (hostname: string): Promise<LookupAddress[]> => {
  const address = NAMES[hostname];
  if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return [{ address, family: address.includes(':') ? 6 : 4 }];
};

const fetcher = (overrides: Partial<ImageFetcherOptions> = {}) =>
  createImageFetcher({
    allowPrivateNetworks: false,
    allowedPorts: undefined,
    timeoutMs: 2_000,
    maxRedirects: 5,
    resolve,
    treatAsPublic: new Set(['127.0.0.2']),
    ...overrides,
  });

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return answerTo(error);
};

beforeAll(async () => {
  image = await png(20, 20);
  internal = await startRecordingServer((_, response) => {
    response.writeHead(200, { 'content-type': 'image/png' }).end(image);
  });
  publicSite = await startRecordingServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const to = url.searchParams.get('to');
    if (url.pathname === '/redirect' && to) response.writeHead(302, { location: to }).end();
    else if (url.pathname === '/loop') response.writeHead(302, { location: '/loop' }).end();
    else if (url.pathname === '/html')
      response.writeHead(200, { 'content-type': 'text/html' }).end('<p>hi</p>');
    else if (url.pathname === '/missing')
      response.writeHead(404, { 'content-type': 'text/plain' }).end('secret body');
    else if (url.pathname === '/endless') {
      response.writeHead(200, { 'content-type': 'image/png' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      const pump = () => {
        while (response.write(chunk)) {}
        response.once('drain', pump);
      };
      pump();
      response.on('close', () => response.removeAllListeners('drain'));
    } else if (url.pathname === '/bomb') {
      response.writeHead(200, { 'content-type': 'image/png', 'content-encoding': 'gzip' });
      response.end(gzipSync(Buffer.alloc(4 * 1024 * 1024)));
    } else if (url.pathname === '/stall-headers') {
      // Never answers.
    } else if (url.pathname === '/stall-body') {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.write(image.subarray(0, 10));
    } else response.writeHead(200, { 'content-type': 'image/png' }).end(image);
  }, '127.0.0.2');
});
afterAll(async () => {
  await internal?.close();
  await publicSite?.close();
});

describe('the import fetcher refuses private addresses without connecting', () => {
  const port = () => internal.port;
  it.each<[string, () => string]>([
    ['a loopback literal', () => `http://127.0.0.1:${port()}/`],
    ['a decimal spelling', () => `http://2130706433:${port()}/`],
    ['a hex spelling', () => `http://0x7f000001:${port()}/`],
    ['a short spelling', () => `http://127.1:${port()}/`],
    ['an octal spelling', () => `http://0177.0.0.1:${port()}/`],
    ['an IPv4-mapped IPv6 literal', () => `http://[::ffff:127.0.0.1]:${port()}/`],
    ['the IPv6 loopback', () => `http://[::1]:${port()}/`],
    ['the unspecified address', () => `http://0.0.0.0:${port()}/`],
    ['the Lambda runtime API', () => 'http://127.0.0.1:9001/2018-06-01/runtime/invocation/next'],
    ['the metadata service', () => 'http://169.254.169.254/latest/meta-data/'],
    ...Object.keys(NAMES)
      .filter((name) => name !== 'public.test')
      .map((name): [string, () => string] => [
        `a name resolving to ${NAMES[name]}`,
        () => `http://${name}:${port()}/`,
      ]),
  ])('%s', async (_, url) => {
    const before = internal.connections();
    expect(await failure(fetcher()(url(), 1_000_000))).toMatchObject({
      status: 422,
      code: 'validation_error',
    });
    expect(internal.connections()).toBe(before);
  });

  it('re-checks every redirect hop: a public page redirecting inside is refused', async () => {
    const before = internal.connections();
    for (const target of [`http://127.0.0.1:${internal.port}/`, `http://loopback.test:${internal.port}/`]) {
      const url = `http://public.test:${publicSite.port}/redirect?to=${encodeURIComponent(target)}`;
      const result = await failure(fetcher()(url, 1_000_000));
      expect(result).toMatchObject({ status: 422, errors: { url: [expect.any(String)] } });
      expect(result.message).not.toContain('127.0.0.1');
    }
    expect(internal.connections()).toBe(before);
  });

  it('never reveals the resolved address', async () => {
    const result = await failure(fetcher()(`http://loopback.test:${internal.port}/`, 1_000_000));
    expect(JSON.stringify(result)).not.toMatch(/127\.0\.0\.1|loopback/);
  });
});

describe('the import fetcher', () => {
  it('fetches an image from an allowed address, following redirects', async () => {
    const direct = await fetcher()(`http://public.test:${publicSite.port}/image.png`, 1_000_000);
    expect(direct).toEqual({ bytes: image, tooLarge: false });
    const redirected = await fetcher()(
      `http://public.test:${publicSite.port}/redirect?to=${encodeURIComponent('/image.png')}`,
      1_000_000,
    );
    expect(redirected.bytes.equals(image)).toBe(true);
  });

  it('sends only its own headers', async () => {
    await fetcher()(`http://public.test:${publicSite.port}/headers`, 1_000_000);
    const headers = publicSite.requests.at(-1)?.headers ?? {};
    expect(headers['user-agent']).toBe('imgpro-import/1.0');
    expect(headers.authorization).toBeUndefined();
    expect(headers.cookie).toBeUndefined();
  });

  it('stops reading an endless body as soon as the limit is crossed', async () => {
    const result = await fetcher()(`http://public.test:${publicSite.port}/endless`, 256 * 1024);
    expect(result.tooLarge).toBe(true);
    expect(result.bytes.length).toBeLessThanOrEqual(256 * 1024);
  });

  it('counts the body after decompression', async () => {
    const result = await fetcher()(`http://public.test:${publicSite.port}/bomb`, 1024 * 1024);
    expect(result.tooLarge).toBe(true);
  });

  it.each([['/stall-headers'], ['/stall-body']])('times out on %s with 504', async (path) => {
    const started = Date.now();
    const result = await failure(
      fetcher({ timeoutMs: 300 })(`http://public.test:${publicSite.port}${path}`, 1_000_000),
    );
    expect(result).toMatchObject({ status: 504, code: 'fetch_failed' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it.each([
    ['a non-image content type', '/html', 422, 'validation_error'],
    ['a 404', '/missing', 502, 'fetch_failed'],
    ['endless redirects', '/loop', 502, 'fetch_failed'],
  ])('refuses %s', async (_, path, status, code) => {
    const result = await failure(fetcher()(`http://public.test:${publicSite.port}${path}`, 1_000_000));
    expect(result).toMatchObject({ status, code });
    expect(result.message).not.toContain('secret body');
  });

  it('answers 502 for an unknown host', async () => {
    expect(await failure(fetcher()('http://nowhere.test/', 1_000_000))).toMatchObject({
      status: 502,
      code: 'fetch_failed',
    });
  });

  it('answers 502 for a port nobody listens on', async () => {
    const gone = await startRecordingServer(() => undefined, '127.0.0.2');
    await gone.close();
    const result = await failure(fetcher()(`http://public.test:${gone.port}/`, 1_000_000));
    expect(result).toMatchObject({ status: 502, code: 'fetch_failed' });
  });

  it.each([
    ['ftp://public.test/x.png'],
    ['file:///etc/passwd'],
    ['http://user:pass@public.test/x.png'],
    ['not a url'],
    ['//public.test/x.png'],
  ])('refuses the URL %j', async (url) => {
    expect(await failure(fetcher()(url, 1_000_000))).toMatchObject({
      status: 422,
      errors: { url: [expect.any(String)] },
    });
  });

  it('refuses ports outside the allowed set', async () => {
    const limited = fetcher({ allowedPorts: new Set([80, 443]) });
    const before = publicSite.connections();
    expect(await failure(limited(`http://public.test:${publicSite.port}/`, 1_000_000))).toMatchObject({
      status: 422,
    });
    expect(publicSite.connections()).toBe(before);
  });

  it('reaches private addresses only when told to', async () => {
    const open = fetcher({ allowPrivateNetworks: true });
    expect((await open(`http://127.0.0.1:${internal.port}/`, 1_000_000)).bytes.equals(image)).toBe(true);
  });
});
