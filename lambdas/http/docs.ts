import { DOCS_CSP, docsPage } from '#core/docs/page';
import { httpHandler } from '#core/http/handler';
import { DOCS_SCRIPT_PATH } from './routes.ts';

const page = docsPage('imgpro API reference', DOCS_SCRIPT_PATH);

/** GET /docs — the interactive API reference. */
export const handler = httpHandler(async () => ({
  statusCode: 200,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': DOCS_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'public, max-age=300',
  },
  body: page,
}));
