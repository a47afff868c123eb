import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { platform } from '#core/compose/platform';
import { createCors } from '#core/http/cors';
import { withStreamedBody } from '#core/http/event';
import { discardRest } from '#core/http/refused-body';
import type { HttpResponse } from '#core/http/response';
import { httpEvent, writeHttpResponse } from '#core/platform/http-event';
import { invocationContext } from '#core/platform/invocation';
import { handler as upload } from '../http/upload.ts';

/**
 * The full-size upload path (docs/decisions/0001-full-size-uploads.md): `POST /v1/upload` bodies
 * larger than a Lambda invocation carries, which the API's CloudFront Function sends here instead of
 * to API Gateway. The request is answered by the upload function's own handler module — same
 * checks, same answers — given an event without a body and the request stream beside it, which its
 * multipart reader parses as it arrives. On AWS this runs in an ECS service on Fargate; the local
 * runtime routes large uploads to the same function.
 */

/**
 * The time a large upload has, from its first byte to its answer: a 70 MB body at 1 Mbit/s takes
 * about 9 minutes. The answer itself must start within CloudFront's read timeout of the body's end,
 * which decoding and committing take seconds of.
 */
export const LARGE_UPLOAD_SECONDS = 600;

/**
 * Large uploads one process holds at once: each keeps its file (up to 70 MB) and decodes it in
 * full; the task's memory is sized for this many. Past it, a `503` with `Retry-After`.
 */
export const LARGE_UPLOADS_AT_ONCE = 2;

let inFlight = 0;

/** The deployment's CORS, read once from its settings. */
let corsOfDeployment: ReturnType<typeof createCors> | undefined;
const cors = () => {
  corsOfDeployment ??= createCors(platform().settings.corsAllowOrigins);
  return corsOfDeployment;
};

/** Requests this process has answered on this path (the local runtime's tests read it: proof of the route). */
export const largeUploadsServed = { count: 0 };

/** Answers one request with the upload handler, its body read as a stream. */
export const serveLargeUpload = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
  const requestId = randomUUID();
  // API Gateway adds the API's CORS headers to its answers; this path's answers get them here.
  const answer = (result: HttpResponse) =>
    writeHttpResponse(response, { ...result, headers: { ...result.headers, ...cors().headers(request) } });
  if (inFlight >= LARGE_UPLOADS_AT_ONCE) {
    answer(busy(requestId));
    discardRest(request);
    return;
  }
  inFlight++;
  largeUploadsServed.count++;
  try {
    const event = withStreamedBody(
      httpEvent(request, { api: 'large-upload', requestId, routeKey: 'POST /v1/upload' }),
      request,
    );
    const result = await upload(
      event,
      invocationContext('large-upload', requestId, LARGE_UPLOAD_SECONDS * 1000, 2048),
    );
    answer(result);
  } finally {
    inFlight--;
    // Refused before its end (a missing key, a declared size over the plan's): read and dropped.
    if (!request.complete) discardRest(request);
  }
};

const busy = (requestId: string): HttpResponse => ({
  statusCode: 503,
  headers: {
    'content-type': 'application/json; charset=utf-8',
    'retry-after': '5',
    'cache-control': 'no-store',
  },
  body: JSON.stringify({
    error: 'upload_failed',
    message: 'Too many large uploads at once; try again in a few seconds.',
    request_id: requestId,
  }),
});

/**
 * The container's server: `POST /v1/upload` is the only route (the edge sends nothing else), and
 * `GET /healthz` answers the load balancer's health checks.
 */
export const createLargeUploadServer = (): Server => {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method === 'GET' && path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (request.method !== 'POST' || path !== '/v1/upload') {
      response.writeHead(404, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
      response.end(JSON.stringify({ error: 'not_found', message: 'No route matches this request.' }));
      request.resume();
      return;
    }
    serveLargeUpload(request, response).catch((error: unknown) => {
      console.error('large upload: unhandled error', error);
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });
  // A client that stops sending is cut off instead of holding its slot.
  server.requestTimeout = LARGE_UPLOAD_SECONDS * 1000;
  return server;
};
