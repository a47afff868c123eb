import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Cors } from '#core/http/cors';
import { payloadTooLarge, routeOf } from '#core/http/edge-contract';
import { discardRest } from '#core/http/refused-body';
import type { HttpResponse } from '#core/http/response';
import { headersOf, httpEvent, peerAddress, writeHttpResponse } from '#core/platform/http-event';
import { invocationContext } from '#core/platform/invocation';
import type { EdgeDecision, EdgeRequest } from './lambda/integrations.ts';

/**
 * A local stand-in for API Gateway (HTTP API, payload v2) and Lambda function URLs: each request
 * becomes the event AWS would send, and the same handler module Lambda runs answers it.
 */
export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResponse>;

export interface GatewayRoute {
  method: string;
  /** API Gateway path syntax (`/v1/media/{id}`); undefined = the `$default` catch-all. */
  path: string | undefined;
  load: () => Promise<LambdaHandler>;
  /** What stands in front on AWS and decides first, before the body is read (a CloudFront distribution). */
  edge?: (request: EdgeRequest) => EdgeDecision;
}

export interface GatewayOptions {
  routes: GatewayRoute[];
  /** Requests larger than this are refused before the handler runs, as API Gateway does. */
  maxBodyBytes: number;
  /** What handlers are told of their time (the context's remaining time), as Lambda's timeout. */
  timeoutMs: number;
  /**
   * The full-size upload path (decision 0001): uploads the API's CloudFront Function would send
   * there (`routeOf`) are answered by it, their body streamed, as on AWS.
   */
  largeUploads?: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  /** Told of every answered request (the access log API Gateway keeps on AWS). */
  onRequest?: (entry: RequestLogEntry) => void;
  /** The API's CORS (cors.ts), on the routes that have a path: API Gateway's, not the viewer's. */
  cors?: Cors;
}

export interface RequestLogEntry {
  method: string;
  /** Without the query string, which can carry a signature. */
  path: string;
  status: number;
  ms: number;
}

interface CompiledRoute extends GatewayRoute {
  pattern: RegExp | undefined;
  params: string[];
}

export const createGateway = ({
  routes,
  maxBodyBytes,
  timeoutMs,
  largeUploads,
  onRequest,
  cors,
}: GatewayOptions): Server => {
  const compiled = routes.map(compile);
  const handlers = new Map<CompiledRoute, Promise<LambdaHandler>>();

  return createServer((request, response) => {
    if (onRequest) {
      const started = performance.now();
      response.once('finish', () =>
        onRequest({
          method: request.method ?? 'GET',
          path: (request.url ?? '/').split('?')[0] ?? '/',
          status: response.statusCode,
          ms: Math.round(performance.now() - started),
        }),
      );
    }
    handle(request, response).catch((error: unknown) => {
      console.error('local gateway: unhandled error', error);
      if (!response.headersSent)
        sendJson(response, 500, { error: 'internal_error', message: 'Internal server error.' });
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const isApi = compiled.some((route) => route.pattern?.test(url.pathname));
    const preflight = isApi ? cors?.preflight(request) : undefined;
    if (preflight) {
      response.writeHead(preflight.status, preflight.headers).end();
      request.resume();
      return;
    }
    const corsHeaders = isApi && cors ? cors.headers(request) : {};
    if (
      largeUploads &&
      routeOf(request.method ?? 'GET', url.pathname, request.headers['content-length'], true) ===
        'large-upload'
    ) {
      await largeUploads(request, response);
      return;
    }
    const match = matchRoute(compiled, request.method ?? 'GET', url.pathname);
    if (!match) {
      sendJson(response, 404, { error: 'not_found', message: 'No route matches this request.' });
      return;
    }
    let headers = headersOf(request);
    if (match.route.edge) {
      const decision = match.route.edge({
        method: request.method ?? 'GET',
        uri: url.pathname,
        headers,
        clientIp: peerAddress(request),
        requestId: randomUUID(),
      });
      if ('response' in decision) {
        writeHttpResponse(response, decision.response);
        request.resume();
        return;
      }
      headers = decision.headers;
    }
    const body = await readBody(request, maxBodyBytes);
    if (body === undefined) {
      // The API's own 413 (what CloudFront answers on AWS, with AWS's lower limit).
      sendJson(response, 413, payloadTooLarge(maxBodyBytes, randomUUID()), { keepReading: true });
      discardRest(request);
      return;
    }
    let handler = handlers.get(match.route);
    if (!handler) {
      handler = match.route.load();
      handlers.set(match.route, handler);
    }
    const requestId = randomUUID();
    const { route, pathParameters } = match;
    const event = httpEvent(request, {
      api: 'local',
      requestId,
      routeKey: route.path === undefined ? '$default' : `${route.method} ${route.path}`,
      headers,
      pathParameters,
      body,
    });
    const result = await (await handler)(event, invocationContext('local', requestId, timeoutMs));
    writeHttpResponse(response, { ...result, headers: { ...result.headers, ...corsHeaders } });
  }
};

const compile = (route: GatewayRoute): CompiledRoute => {
  if (route.path === undefined) return { ...route, pattern: undefined, params: [] };
  const params: string[] = [];
  const source = route.path
    .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\\?\{(\w+)\\?\}/g, (_, name: string) => {
      params.push(name);
      return '([^/]+)';
    });
  return { ...route, pattern: new RegExp(`^${source}$`), params };
};

interface RouteMatch {
  route: CompiledRoute;
  pathParameters: Record<string, string> | undefined;
  rank: number;
}

/** Like API Gateway: the most specific route wins (fewest path parameters), `$default` last. */
const matchRoute = (routes: CompiledRoute[], method: string, path: string): RouteMatch | undefined => {
  const candidates = routes
    .filter((route) => route.method === method || (route.method === 'GET' && method === 'HEAD'))
    .flatMap((route): RouteMatch[] => {
      if (!route.pattern) return [{ route, pathParameters: undefined, rank: Number.MAX_SAFE_INTEGER }];
      const found = route.pattern.exec(path);
      if (!found) return [];
      const pathParameters = Object.fromEntries(
        route.params.map((name, index) => [name, decodeSegment(found[index + 1] ?? '')]),
      );
      return [{ route, pathParameters, rank: route.params.length }];
    });
  return candidates.sort((a, b) => a.rank - b.rank)[0];
};

/** A path segment decoded; one with malformed percent-encoding is passed on as it came. */
const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/**
 * The whole body, or undefined past `limit`, the rest left unread (leaving a `for await` early
 * would destroy the stream, and with it the connection the answer must go out on).
 */
const readBody = (request: IncomingMessage, limit: number): Promise<Buffer | undefined> =>
  new Promise((resolve, reject) => {
    if (Number(request.headers['content-length'] ?? 0) > limit) {
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        request.off('data', onData);
        resolve(undefined);
      }
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });

/**
 * An error answer that closes the connection, or with `keepReading`, one sent while the request is
 * still being read: Node destroys a `connection: close` socket once the answer is out, which would
 * reset a client still writing.
 */
const sendJson = (
  response: ServerResponse,
  status: number,
  error: { error: string; message: string },
  { keepReading = false } = {},
) => {
  const body = JSON.stringify(error);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    ...(!keepReading && { connection: 'close' }),
  });
  response.end(body);
};
