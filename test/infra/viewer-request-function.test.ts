import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BROWSER_ACCEPT } from '#test/accept';
import { buildViewerRequestCode, MAX_FUNCTION_BYTES } from '../../lib/edge/build.ts';
import { ACCEPT_CLASS_HEADER, FORWARDED_HOST_HEADER } from '../../lib/edge/viewer-request.ts';

/**
 * The code CloudFront runs, executed as CloudFront does: one script in a bare context (no module
 * system, no Node globals), whose top-level `handler(event)` gets the viewer request.
 */
const code = buildViewerRequestCode();
const handler = runInNewContext(`${code}\nhandler;`, {}) as (event: unknown) => {
  querystring: string;
  headers: Record<string, { value: string }>;
};

type Query = Record<string, { value: string; multiValue?: Array<{ value: string }> }>;

/** A viewer-request event as CloudFront builds it: parsed query object, lower-case header names. */
const event = (query: string, headers: Record<string, string> = {}, options: { raw?: boolean } = {}) => {
  const querystring: Query = {};
  for (const part of query.split('&').filter(Boolean)) {
    const [name = '', value = ''] = part.split('=');
    const existing = querystring[name];
    if (existing) {
      existing.multiValue = [...(existing.multiValue ?? [{ value: existing.value }]), { value }];
    } else {
      querystring[name] = { value };
    }
  }
  return {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '192.0.2.1' },
    request: {
      method: 'GET',
      uri: '/aB3dE5fG7hJ9kL',
      querystring,
      headers: Object.fromEntries(
        Object.entries({ host: 'd111111abcdef8.cloudfront.net', ...headers }).map(([name, value]) => [
          name,
          { value },
        ]),
      ),
      cookies: {},
      // The production runtime also offers the query exactly as sent.
      ...(options.raw && { rawQueryString: () => query }),
    },
  };
};

const canonical = (query: string, options?: { raw?: boolean }) =>
  handler(event(query, {}, options)).querystring;

describe('viewer-request CloudFront Function', () => {
  it('fits CloudFront’s 10 KB limit', () => {
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(MAX_FUNCTION_BYTES);
  });

  it.each([{ raw: false }, { raw: true }])(
    'gives one cache key whatever the order or junk (%o)',
    (options) => {
      const key = canonical('w=300&h=200', options);
      expect(key).toBe('h=200&w=300');
      expect(canonical('h=200&w=300', options)).toBe(key);
      expect(canonical('h=200&w=300&utm_source=newsletter&junk=x', options)).toBe(key);
      expect(canonical('w=1&h=200&w=300', options)).toBe(key);
    },
  );

  it('drops a query that changes nothing', () => {
    expect(canonical('utm_source=x&fbclid=y')).toBe('');
    expect(canonical('')).toBe('');
  });

  it('decodes the query as the browser sent it', () => {
    expect(canonical('format=JPEG&w=%33%30%30')).toBe(canonical('format=jpg&w=300'));
  });

  it('normalises Accept to html or image and overwrites a client-sent class', () => {
    const classOf = (accept?: string) =>
      handler(event('', { ...(accept && { accept }), [ACCEPT_CLASS_HEADER]: 'forged' })).headers[
        ACCEPT_CLASS_HEADER
      ]?.value;
    expect(
      classOf('text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'),
    ).toBe('html');
    expect(classOf('image/avif,image/webp,image/apng,image/*,*/*;q=0.8')).toBe('image');
    expect(classOf('*/*')).toBe('image');
    expect(classOf(undefined)).toBe('image');
  });

  it('keys format=auto by image class, never by the raw Accept header', () => {
    const key = (query: string, accept: string) => {
      const request = handler(event(query, { accept }, { raw: true }));
      return `${request.querystring} ${request.headers[ACCEPT_CLASS_HEADER]?.value}`;
    };
    // Two Chrome versions' <img> Accept headers differ, and are one cache entry.
    expect(key('w=800&format=auto', BROWSER_ACCEPT.chrome85)).toBe('format=auto&w=800 avif');
    expect(key('format=AUTO&w=0800&utm_source=x', BROWSER_ACCEPT.chrome131)).toBe('format=auto&w=800 avif');
    expect(key('format=auto&w=800', BROWSER_ACCEPT.safari17)).toBe('format=auto&w=800 avif');
    expect(key('format=auto&w=800', BROWSER_ACCEPT.chrome80)).toBe('format=auto&w=800 webp');
    expect(key('format=auto&w=800', BROWSER_ACCEPT.safari13)).toBe('format=auto&w=800 legacy');
    expect(key('format=auto&w=800', '*/*')).toBe('format=auto&w=800 legacy');
    // Only format=auto is split: any other query is one entry for every image client.
    expect(key('format=webp&w=800', BROWSER_ACCEPT.chrome85)).toBe('format=webp&w=800 image');
    expect(key('format=webp&w=800', BROWSER_ACCEPT.safari13)).toBe('format=webp&w=800 image');
    // A browser opening the link gets the page, whatever the format.
    expect(key('format=auto', 'text/html,image/avif,image/webp,*/*;q=0.8')).toBe('format=auto html');
  });

  it('canonicalises the responsive parameters', () => {
    // Gravity counts only where something is cropped: not for small, which only scales.
    expect(canonical('size=S&dpr=2.0&gravity=North&fit=cover&trim=AUTO')).toBe(
      'dpr=2&fit=cover&size=small&trim=auto',
    );
    expect(canonical('size=social&gravity=North')).toBe('gravity=north&size=social');
    expect(canonical('w=400&h=300&fit=crop&gravity=0.30x0.600')).toBe('fit=crop&gravity=0.3x0.6&h=300&w=400');
  });

  it('passes the host the viewer asked for to the origin', () => {
    const request = handler(event('', { host: 'i.example.com', [FORWARDED_HOST_HEADER]: 'evil.example' }));
    expect(request.headers[FORWARDED_HOST_HEADER]?.value).toBe('i.example.com');
  });
});

describe('the upgrade page', () => {
  it('gets its signed query as sent, where a link would get the canonical one', () => {
    const signed = event('team=team_abc&plan=pro&expires=2000000000&signature=abcd');
    const upgrade = handler({ ...signed, request: { ...signed.request, uri: '/upgrade' } });
    expect(upgrade.querystring).toEqual(signed.request.querystring);
    expect(handler(event('team=team_abc&plan=pro&expires=2000000000&signature=abcd')).querystring).toBe('');
  });
});
