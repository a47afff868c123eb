import type { Writable } from 'node:stream';
import type { Context } from 'aws-lambda';
import { errorResponse } from '#core/http/errors';
import type { HttpEvent } from '#core/http/event';
import { logger } from '#core/platform/logger';
import { viewer, viewerRequest } from './compose.ts';

/** The Lambda Node.js runtime's globals for response streaming (they have no published types). */
declare const awslambda: {
  streamifyResponse(
    handler: (event: HttpEvent, stream: Writable, context: Context) => Promise<void>,
  ): (event: HttpEvent, context: Context) => Promise<void>;
  HttpResponseStream: {
    from(stream: Writable, metadata: { statusCode: number; headers: Record<string, string> }): Writable;
  };
};

/**
 * The viewer origin on AWS: a function URL in RESPONSE_STREAM mode, so responses are not held to
 * Lambda's 6 MB buffered limit. Same logic as handler.ts; the body is produced whole
 * before the status is sent, so a failed transform is still a clean 500 with `no-store`.
 */
export const handler = awslambda.streamifyResponse(async (event, stream, context) => {
  const request = viewerRequest(event, context);
  logger.addContext(context);
  logger.appendKeys({ request_id: request.requestId });
  let answer: { status: number; headers: Record<string, string>; body: Uint8Array | undefined };
  try {
    answer = await viewer().respond(request);
  } catch (error) {
    const failed = errorResponse(error, request.requestId, 'internal_error');
    answer = { status: failed.statusCode, headers: failed.headers, body: Buffer.from(failed.body ?? '') };
  }
  const out = awslambda.HttpResponseStream.from(stream, {
    statusCode: answer.status,
    headers: answer.headers,
  });
  // The runtime sends the status and headers just before the first write: a response without a body
  // (304, HEAD) must still write, or the function URL answers 200 with neither.
  out.write(answer.body ?? EMPTY);
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(resolve);
  });
});

const EMPTY = new Uint8Array(0);
