import { Readable } from 'node:stream';
import { streamingHandler } from '#core/http/handler';
import { viewer, viewerRequest } from './compose.ts';

/**
 * The viewer origin on AWS: a function URL in RESPONSE_STREAM mode, so responses are not held to
 * Lambda's 6 MB buffered limit. The same logic and middleware as handler.ts; the body is produced
 * whole before the status is sent, so a failed transform is still a clean 500 with `no-store`.
 */
export const handler = streamingHandler(async (event, context, deadline) => {
  const { status, headers, body } = await viewer().respond(viewerRequest(event, context, deadline));
  return { statusCode: status, headers, body: body ? Readable.from([body]) : '' };
});
