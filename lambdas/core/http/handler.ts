import type { Readable } from 'node:stream';
import middy, { type MiddlewareObj } from '@middy/core';
import { executionModeStreamifyResponse } from '@middy/core/StreamifyResponse';
import type { Context } from 'aws-lambda';
import type { Deadline } from '#core/deadline';
import { errorResponse } from '#core/http/errors';
import type { HttpEvent } from '#core/http/event';
import type { HttpResponse } from '#core/http/response';
import { logger } from '#core/platform/logger';

/**
 * Work a streamed answer leaves behind: the invocation waits for it once the stream has ended, so
 * the client has every byte before it and nothing runs on after the invocation (a frozen Lambda
 * would resume it during its next request). A symbol, so it never reaches the response's metadata.
 */
export const AFTER_ANSWER: unique symbol = Symbol('after answer');

/** An answer whose body may be a stream (a function URL in `RESPONSE_STREAM` mode). */
export type StreamedResponse = Omit<HttpResponse, 'body' | 'isBase64Encoded'> & {
  body: string | Readable;
  [AFTER_ANSWER]?: Promise<unknown>;
};

type Route<Response> = (event: HttpEvent, context: Context, deadline: Deadline) => Promise<Response>;

/**
 * How long before Lambda's timeout the stack stops waiting for a route and answers with an error:
 * the time to log, map and send that answer. A route sees it as its deadline.
 */
const ANSWER_RESERVE_MS = 1000;

const withDeadline =
  <Response>(route: Route<Response>) =>
  (event: HttpEvent, context: Context, { signal }: { signal: AbortSignal }) =>
    route(event, context, {
      signal,
      remainingMs: () =>
        (context.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY) - ANSWER_RESERVE_MS,
    });

/**
 * The one middleware stack of every HTTP entry: request id on every log line, and every thrown
 * error mapped to the reference's error body. Unexpected errors are logged with their details and
 * answered with a generic body carrying `failureCode` (e.g. `upload_failed`) and the request id.
 */
const stack = (failureCode: string): MiddlewareObj<HttpEvent, HttpResponse | StreamedResponse> => ({
  before: ({ event, context }) => {
    logger.addContext(context);
    logger.appendKeys({ request_id: requestIdOf(event, context) });
  },
  onError: (request) => {
    request.response = errorResponse(request.error, requestIdOf(request.event, request.context), failureCode);
  },
});

/** A buffered entry: API Gateway (payload 2.0) and the local runtime. */
export const httpHandler = (route: Route<HttpResponse>, options: { failureCode?: string } = {}) =>
  middy<HttpEvent, HttpResponse>({ timeoutEarlyInMillis: ANSWER_RESERVE_MS })
    .use(stack(options.failureCode ?? 'internal_error'))
    .handler(withDeadline(route));

/**
 * A streaming entry: the same stack, answered through Lambda's response stream, which sends the
 * status and headers before the body (also when there is none: a 304, a HEAD) and is not held to
 * the 6 MB of a buffered response. Needs the `awslambda` global of Lambda's runtime.
 */
export const streamingHandler = (route: Route<StreamedResponse>, options: { failureCode?: string } = {}) =>
  middy<HttpEvent, StreamedResponse>({
    executionMode: executionModeStreamifyResponse,
    timeoutEarlyInMillis: ANSWER_RESERVE_MS,
    // Runs once the body is piped and the stream ended.
    requestEnd: async (request) => {
      await (request.response as StreamedResponse | undefined)?.[AFTER_ANSWER];
    },
  })
    .use(stack(options.failureCode ?? 'internal_error'))
    .handler(withDeadline(route));

const requestIdOf = (event: HttpEvent, context: Context): string =>
  event.requestContext?.requestId ?? context.awsRequestId;
