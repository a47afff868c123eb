import { httpHandler } from '#core/http/handler';
import type { HttpResponse } from '#core/http/response';
import { viewer, viewerRequest } from './compose.ts';

/**
 * GET/HEAD /<id>[.<ext>] for API-Gateway-v2-shaped events (the local runtime): the viewer's
 * answer with a base64 body. Unexpected errors become the generic 500 with `no-store`.
 * On AWS the origin streams instead (stream.ts); the logic is the same module. A buffered answer
 * leaves only with the handler's return, after which nothing may run: a rendered variant's write to
 * the store is waited for first (a few milliseconds on the local runtime's s3rver).
 */
export const handler = httpHandler(async (event, context, deadline): Promise<HttpResponse> => {
  const { status, headers, body, pending } = await viewer().respond(viewerRequest(event, context, deadline));
  await pending;
  return {
    statusCode: status,
    headers,
    ...(body && { body: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64') }),
    isBase64Encoded: body !== undefined,
  };
});
