import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpgradeLink } from '#core/quotas/upgrade-links';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/** The pages of the links' origin: /upgrade, the favicon, and what a browser sees of a 404. */
const SECRET = 'site-pages-upgrade-secret-32-chars-long';
const BILLING = 'https://billing.example.com/upgrade?ref=imgpro';
let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({ UPGRADE_URL: BILLING, UPGRADE_LINK_SECRET: SECRET });
});
afterAll(() => runtime?.stop());

const now = () => Math.floor(Date.now() / 1000);
const signed = (team: string, plan: 'pro' | 'max', expires = now() + 3600, secret = SECRET) =>
  createUpgradeLink(`${runtime.url}/upgrade`, secret, { team, plan, expires });
const browse = (url: string) => fetch(url, { headers: { accept: 'text/html' }, redirect: 'manual' });

describe('/upgrade', () => {
  it('sends a verified link on to the billing page with the parameters it was signed with', async () => {
    const link = signed('team_abc', 'pro');
    const response = await browse(link);
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('https://billing.example.com/upgrade');
    const sent = new URL(link).searchParams;
    expect(Object.fromEntries(location.searchParams)).toEqual({
      ref: 'imgpro',
      team: 'team_abc',
      plan: 'pro',
      expires: sent.get('expires'),
      signature: sent.get('signature'),
    });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses forged, altered, expired and malformed links without redirecting', async () => {
    const good = new URL(signed('team_abc', 'pro'));
    const altered = (name: string, value: string) => {
      const url = new URL(good);
      url.searchParams.set(name, value);
      return url.toString();
    };
    const hostile = [
      signed('team_abc', 'pro', now() + 3600, 'another-secret-of-at-least-32-chars!!'),
      altered('plan', 'max'),
      altered('team', 'team_other'),
      altered('expires', String(now() + 999_999)),
      altered('signature', '0'.repeat(64)),
      altered('signature', 'not hex'),
      altered('expires', '-1'),
      altered('plan', '<script>'),
      signed('team_abc', 'pro', now() - 1),
      `${runtime.url}/upgrade?signature=${'a'.repeat(64)}`,
      `${runtime.url}/upgrade?signature=x&team=${'t'.repeat(8000)}&plan=pro&expires=1`,
    ];
    for (const link of hostile) {
      const response = await browse(link);
      expect(response.status, link.slice(0, 200)).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      const html = await response.text();
      expect(html).toContain('not valid');
      expect(html).not.toContain('<script>');
    }
  });

  it('escapes what a validly signed link carries', async () => {
    // Only the secret's holder could sign this; the page still never writes it raw.
    const response = await browse(signed('<img src=x onerror=alert(1)>', 'pro'));
    expect(response.status).toBe(303);
    const html = await response.text();
    expect(html).not.toContain('<img src=x');
  });

  it('without a link, says how to get a key (registration is open locally)', async () => {
    const response = await browse(`${runtime.url}/upgrade`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await response.text()).toContain(`${runtime.url}/v1/keys`);
  });
});

describe('the rest of the origin', () => {
  it('serves a favicon', async () => {
    const response = await fetch(`${runtime.url}/favicon.ico`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expect(await response.text()).toMatch(/^<svg /);
  });

  it('shows browsers an HTML 404 and everything else the JSON one', async () => {
    for (const path of ['/AAAAAAAAAAAAAA', '/no-such-thing', '/AAAAAAAAAAAAAA.webp']) {
      const page = await browse(`${runtime.url}${path}`);
      expect(page.status).toBe(404);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('vary')).toBe('Accept');
      expect(await page.text()).toContain('<h1>Nothing here</h1>');

      const api = await fetch(`${runtime.url}${path}`);
      expect(api.status).toBe(404);
      expect(await api.json()).toMatchObject({ error: 'not_found' });
    }
  });
});
