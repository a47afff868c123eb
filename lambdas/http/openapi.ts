import { httpHandler } from '#core/http/handler';
import { openApiDocument } from '#core/http/openapi';
import { json } from '#core/http/response';

const document = openApiDocument();

/** GET /openapi.json — the API contract, generated from the request schemas. */
export const handler = httpHandler(async () =>
  json(200, document, {
    'cache-control': 'public, max-age=300',
    // Anyone may read the contract, from any page (the docs of another site, a client generator).
    'access-control-allow-origin': '*',
  }),
);
