import { Readable } from 'node:stream';
import { AFTER_ANSWER, streamingHandler } from '#core/http/handler';
import { viewer, viewerRequest } from './compose.ts';

/**
 * The viewer origin on AWS: a function URL in RESPONSE_STREAM mode, so responses are not held to
 * Lambda's 6 MB buffered limit. The same logic and middleware as handler.ts; the body is produced
 * whole before the status is sent, so a failed transform is still a clean 500 with `no-store`.
 * A rendered variant's write to the store runs while the answer is sent; the invocation waits for
 * it (bounded) after the stream has ended, so the visitor never waits for it.
 */
export const handler = streamingHandler(async (event, context, deadline) => {
  const { status, headers, body, pending } = await viewer().respond(viewerRequest(event, context, deadline));
  return {
    statusCode: status,
    headers,
    body: body ? Readable.from([body]) : '',
    ...(pending && { [AFTER_ANSWER]: pending }),
  };
});
