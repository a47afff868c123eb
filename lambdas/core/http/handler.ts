import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { AppError } from '#core/errors';
import type { HttpEvent } from '#core/http/event';
import { type HttpResponse, json } from '#core/http/response';
import { logger } from '#core/platform/logger';

type Route = (event: HttpEvent, context: Context) => Promise<HttpResponse>;

/**
 * The one middleware stack every HTTP entry uses: request id on every log line, and every thrown
 * error mapped to the reference's error body. Unexpected errors are logged with their details and
 * answered with a generic body carrying `failureCode` (e.g. `upload_failed`) and the request id.
 */
export const httpHandler = (route: Route, options: { failureCode?: string } = {}) =>
  middy<HttpEvent, HttpResponse>()
    .use({
      before: ({ event, context }) => {
        logger.addContext(context);
        logger.appendKeys({ request_id: requestIdOf(event, context) });
      },
      onError: (request) => {
        const requestId = requestIdOf(request.event, request.context);
        request.response = errorResponse(request.error, requestId, options.failureCode ?? 'internal_error');
      },
    })
    .handler(route);

const requestIdOf = (event: HttpEvent, context: Context): string =>
  event.requestContext?.requestId ?? context.awsRequestId;

export const errorResponse = (error: unknown, requestId: string, failureCode: string): HttpResponse => {
  if (error instanceof AppError && error.expose) {
    logger.info('request refused', { status: error.status, code: error.code });
    return json(
      error.status,
      {
        error: error.code,
        message: error.message,
        ...(error.errors && { errors: error.errors }),
        ...(error.action && { action: error.action }),
        ...error.extra,
        request_id: requestId,
      },
      error.headers,
    );
  }
  // Internals (SDK messages, stack, upstream bodies) go to the log only.
  logger.error('request failed', { error: error as Error });
  const [status, code] = error instanceof AppError ? [error.status, error.code] : [500, failureCode];
  return json(status, { error: code, message: GENERIC_FAILURE, request_id: requestId });
};

const GENERIC_FAILURE = 'Something went wrong on our side. Please try again.';
