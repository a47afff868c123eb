import { httpHandler } from '#core/http/handler';
import { llmsText } from '#core/http/llms';

const text = llmsText();

/** GET /llms.txt — the API for language models, written from the same contract as /openapi.json. */
export const handler = httpHandler(async () => ({
  statusCode: 200,
  headers: {
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'cache-control': 'public, max-age=300',
    'access-control-allow-origin': '*',
  },
  body: text,
}));
