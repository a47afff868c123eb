import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { httpHandler } from '#core/http/handler';
import { DOCS_SCRIPT_ASSET } from './routes.ts';

/**
 * Scalar's script, kept gzip-compressed: built beside the bundle on AWS (1.4 MB, where the plain
 * 4.9 MB would come near Lambda's 6 MB answer once base64-encoded), compressed at start from
 * node_modules when the source runs locally.
 */
const beside = join(import.meta.dirname, DOCS_SCRIPT_ASSET.name);
const gzipped = existsSync(beside)
  ? readFileSync(beside)
  : gzipSync(readFileSync(join(import.meta.dirname, '..', '..', DOCS_SCRIPT_ASSET.source)));
let plain: string | undefined;

/** The script changes only with a deploy: a day in browsers and at the edge. */
const HEADERS = {
  'content-type': 'text/javascript; charset=utf-8',
  'x-content-type-options': 'nosniff',
  'cache-control': 'public, max-age=86400',
  vary: 'accept-encoding',
};

/** GET /docs/scalar.js — compressed for every client that takes gzip (all browsers do). */
export const handler = httpHandler(async (event) => {
  if (/\bgzip\b/i.test(event.headers['accept-encoding'] ?? ''))
    return {
      statusCode: 200,
      headers: { ...HEADERS, 'content-encoding': 'gzip' },
      body: gzipped.toString('base64'),
      isBase64Encoded: true,
    };
  plain ??= gunzipSync(gzipped).toString('utf8');
  return { statusCode: 200, headers: HEADERS, body: plain };
});
