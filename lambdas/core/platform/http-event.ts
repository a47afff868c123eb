import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpResponse } from '#core/http/response';

/**
 * API Gateway's side of an HTTP API call (payload format 2.0), for the servers that stand where it
 * stands: the local gateway and the full-size upload server. Both build the event a route's
 * handler takes from a Node request, and write its answer back, the same way.
 */

/** Request headers as API Gateway passes them: lower-case names, repeated ones joined, cookies apart. */
export const headersOf = (request: IncomingMessage): Record<string, string> => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && name !== 'cookie')
      headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
};

/** The TCP peer, as API Gateway reports it: never a header the client sent. */
export const peerAddress = (request: IncomingMessage): string =>
  (request.socket.remoteAddress ?? '').replace(/^::ffff:/, '');

const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml))/i;

export interface HttpEventParts {
  /** Who stands in for the API (`requestContext.apiId` and `accountId`). */
  api: string;
  requestId: string;
  /** `METHOD /path/{param}` as the route was declared, or `$default`. */
  routeKey: string;
  /** The headers to pass on: `headersOf(request)`, or what an edge function made of them. */
  headers?: Record<string, string>;
  pathParameters?: Record<string, string> | undefined;
  /** The whole body; absent when the handler reads it as a stream. */
  body?: Buffer;
}

/** The event API Gateway would build for this request. */
export const httpEvent = (
  request: IncomingMessage,
  { api, requestId, routeKey, headers = headersOf(request), pathParameters, body }: HttpEventParts,
): APIGatewayProxyEventV2 => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const now = new Date();
  const host = headers.host ?? 'localhost';
  // Binary bodies arrive base64-encoded from API Gateway; text ones as they are.
  const isText = TEXT_TYPES.test(headers['content-type'] ?? '');
  const hasBody = body !== undefined && body.length > 0;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(request.headers.cookie && { cookies: request.headers.cookie.split(/;\s*/) }),
    headers,
    ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
    ...(pathParameters && { pathParameters }),
    requestContext: {
      accountId: api,
      apiId: api,
      domainName: host,
      domainPrefix: host.split('.')[0] ?? 'localhost',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: peerAddress(request),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(hasBody && { body: body.toString(isText ? 'utf8' : 'base64') }),
    isBase64Encoded: hasBody && !isText,
  };
};

/** A handler's answer written as API Gateway writes it (no body for HEAD); nothing once one went out. */
export const writeHttpResponse = (response: ServerResponse, result: HttpResponse): void => {
  if (response.headersSent || response.destroyed) return;
  const body =
    result.body === undefined
      ? undefined
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  response.writeHead(result.statusCode, {
    ...result.headers,
    ...(result.cookies && { 'set-cookie': result.cookies }),
    ...(body && { 'content-length': String(body.length) }),
  });
  response.end(response.req.method === 'HEAD' ? undefined : body);
};
