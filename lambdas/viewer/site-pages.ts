import type { Clock } from '#core/clock';
import { unixSeconds } from '#core/clock';
import type { SecretSource } from '#core/platform/secrets';
import { verifyUpgradeLink } from '#core/quotas/upgrade-links';
import { NOT_FOUND_CACHE_CONTROL } from './caching.ts';
import { escapeHtml } from './page.ts';

/**
 * The few pages the links' origin serves besides images, so that no link a person is given ends in
 * raw JSON: `/upgrade` (where signed upgrade links and anonymous uploaders land), the favicon every
 * browser asks for, and the HTML face of a 404.
 */
export interface SitePagesDeps {
  clock: Clock;
  siteName: string;
  /** The upgrade-link key; failing to read it fails the page (a fault, not a forged link). */
  upgradeSecret: SecretSource;
  /** The operator's billing page: a verified link goes on there with its parameters. */
  billingUrl: string | undefined;
  /** An email address or a URL. */
  operatorContact: string | undefined;
  /** Where `POST /v1/keys` answers, when registration is open. */
  registrationUrl: string | undefined;
}

export interface SitePage {
  status: number;
  headers: Record<string, string>;
  body: string;
  contentType: string;
}

/** Pages hold no script and load nothing but their own inline style. */
const SITE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'";

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:0 auto;padding:2rem 1rem;color:#222}' +
  'code,pre{font:14px ui-monospace,monospace;background:#f3f3f3;border-radius:4px}' +
  'pre{padding:.75rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}';

/** A 16×16 favicon: a dark rounded square with a light frame, as SVG (every current browser takes it). */
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#111"/>' +
  '<path d="M3 12l3-4 2 2.5L10 8l3 4z" fill="#eee"/><circle cx="11" cy="5" r="1.5" fill="#eee"/></svg>';

export const createSitePages = (deps: SitePagesDeps) => {
  const html = (
    status: number,
    title: string,
    content: string,
    headers: Record<string, string> = {},
  ): SitePage => ({
    status,
    contentType: 'text/html; charset=utf-8',
    headers: {
      'content-security-policy': SITE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      ...headers,
    },
    body: [
      '<!doctype html>',
      '<html lang="en">',
      '<head>',
      '<meta charset="utf-8">',
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      `<title>${escapeHtml(title)} · ${escapeHtml(deps.siteName)}</title>`,
      `<style>${STYLE}</style>`,
      '</head>',
      '<body>',
      `<h1>${escapeHtml(title)}</h1>`,
      content,
      '</body>',
      '</html>',
      '',
    ].join('\n'),
  });

  /** How to reach the operator, as HTML. */
  const contact = (): string => {
    const value = deps.operatorContact;
    if (!value) return '<p>Ask the operator of this service.</p>';
    const href = value.includes('://') ? value : `mailto:${value}`;
    return `<p>Contact the operator: <a href="${escapeHtml(href)}">${escapeHtml(value)}</a>.</p>`;
  };

  const registration = (): string =>
    deps.registrationUrl
      ? '<p>Get a free API key with your email:</p>' +
        `<pre>curl -s -X POST ${escapeHtml(deps.registrationUrl)} -H "Content-Type: application/json" \\\n` +
        '  -d \'{"email":"you@example.com","name":"My project"}\'</pre>'
      : '';

  /** GET /upgrade[?team&plan&expires&signature]: a signed link checked, then on to billing or the operator. */
  const upgrade = async (query: string): Promise<SitePage> => {
    const params = new URLSearchParams(query);
    if (!params.has('signature')) {
      return html(200, 'Get an API key', `${registration()}${deps.registrationUrl ? '' : contact()}`);
    }
    const link = verifyUpgradeLink(
      `https://upgrade.invalid/?${query}`,
      await deps.upgradeSecret(),
      unixSeconds(deps.clock.nowMs()),
    );
    if (!link) {
      return html(
        400,
        'This upgrade link is not valid',
        '<p>It has expired or was altered. Ask the API again for a fresh link: it comes with the next refused upload.</p>' +
          contact(),
      );
    }
    if (deps.billingUrl) {
      // The billing page verifies the same signature; it gets the link's parameters as they were signed.
      const target = new URL(deps.billingUrl);
      for (const name of ['team', 'plan', 'expires', 'signature'])
        target.searchParams.set(name, params.get(name) ?? '');
      return html(
        303,
        'Upgrade',
        `<p><a href="${escapeHtml(target.toString())}">Continue to billing</a>.</p>`,
        {
          location: target.toString(),
        },
      );
    }
    return html(
      200,
      `Upgrade to ${link.plan}`,
      `<p>Team <code>${escapeHtml(link.team)}</code> may move to the <strong>${escapeHtml(link.plan)}</strong> plan. ` +
        'This service has no billing page: the operator changes plans by hand.</p>' +
        contact(),
    );
  };

  return {
    /** The page for this path, or undefined when it is not one of these pages (a viewer link). */
    async page(method: string, path: string, query: string): Promise<SitePage | undefined> {
      if (method !== 'GET' && method !== 'HEAD') return undefined;
      if (path === '/upgrade') return upgrade(query);
      if (path === '/favicon.ico' || path === '/favicon.svg') {
        return {
          status: 200,
          contentType: 'image/svg+xml',
          headers: { 'cache-control': 'public, max-age=86400', 'x-content-type-options': 'nosniff' },
          body: FAVICON,
        };
      }
      return undefined;
    },

    /** What a browser sees of a 404. */
    notFound: (): SitePage =>
      html(
        404,
        'Nothing here',
        '<p>This image does not exist, has expired, or was made private by its owner.</p>',
        { 'cache-control': NOT_FOUND_CACHE_CONTROL },
      ),
  };
};
export type SitePages = ReturnType<typeof createSitePages>;
