/**
 * GET /docs: the interactive reference (Scalar's API reference, MIT), served by the API itself. The
 * page loads nothing but this API: its script (Scalar's standalone build), the document from /openapi.json,
 * and the calls a reader sends; the CSP says so, and Scalar's web fonts are turned off. The reader
 * types the key into the page's authentication form: it never travels in a URL.
 */

/** Scalar's configuration, read from the mount element (inline scripts are refused by the CSP). */
const CONFIGURATION = {
  url: '/openapi.json',
  // Nothing leaves for Scalar's services: no web fonts, no telemetry, no AI agent, and requests go
  // straight to this API (an undefined proxyUrl means Scalar's public proxy).
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  proxyUrl: '',
  showDeveloperTools: 'never',
  hideClientButton: true,
  // The key is kept in the page's memory only, never written where another page could read it.
  persistAuth: false,
  authentication: { preferredSecurityScheme: 'bearer' },
};

/** Only this origin: scripts, styles (Scalar injects its own, inline), images, and the calls sent. */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escapeAttribute = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const docsPage = (title: string, scriptPath: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeAttribute(title)}</title>
</head>
<body>
<script id="api-reference" data-url="/openapi.json" data-configuration='${escapeAttribute(JSON.stringify(CONFIGURATION))}'></script>
<script src="${escapeAttribute(scriptPath)}"></script>
</body>
</html>
`;
