import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { errorResponse } from '#core/http/errors';
import type { HttpEvent } from '#core/http/event';
import type { HttpResponse } from '#core/http/response';
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
