import { httpHandler } from '#core/http/handler';
import type { HttpResponse } from '#core/http/response';
import { viewer, viewerRequest } from './compose.ts';

/**
 * GET/HEAD /<id>[.<ext>] for API-Gateway-v2-shaped events (the local runtime): the viewer's
 * answer with a base64 body. Unexpected errors become the generic 500 with `no-store`.
 * On AWS the origin streams instead (stream.ts); the logic is the same module.
 */
export const handler = httpHandler(async (event, context, deadline): Promise<HttpResponse> => {
  const { status, headers, body } = await viewer().respond(viewerRequest(event, context, deadline));
  return {
    statusCode: status,
    headers,
    ...(body && { body: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64') }),
    isBase64Encoded: body !== undefined,
  };
});
