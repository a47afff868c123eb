import type { IncomingMessage } from 'node:http';
import { API_CORS } from './cors-contract.ts';

/**
 * The API's CORS as API Gateway (HTTP API) applies it on AWS, from the same declaration
 * (`API_CORS`): a preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered by
 * the gateway itself with 204, whatever the routes; every other answer to an allowed Origin gets
 * the allow-origin and expose headers added. A request without Origin gets no CORS headers. The
 * local gateway applies it to every API route; the full-size upload service to its answers, which
 * API Gateway never sees.
 */
export interface Cors {
  /** The answer to a preflight, or undefined when this is not one. */
  preflight(request: IncomingMessage): { status: number; headers: Record<string, string> } | undefined;
  /** Headers to add to an answer. */
  headers(request: IncomingMessage): Record<string, string>;
}

export const createCors = (allowOrigins: readonly string[]): Cors => {
  const allowedOrigin = (request: IncomingMessage): string | undefined => {
    const origin = request.headers.origin;
    if (!origin) return undefined;
    if (allowOrigins.includes('*')) return '*';
    return allowOrigins.includes(origin) ? origin : undefined;
  };
  return {
    preflight(request) {
      if (request.method !== 'OPTIONS' || !request.headers['access-control-request-method']) return undefined;
      const origin = allowedOrigin(request);
      const none: Record<string, string> = {};
      return {
        status: 204,
        headers: origin
          ? {
              'access-control-allow-origin': origin,
              'access-control-allow-methods': API_CORS.allowMethods.join(','),
              'access-control-allow-headers': API_CORS.allowHeaders.join(','),
              'access-control-max-age': String(API_CORS.maxAgeSeconds),
            }
          : none,
      };
    },
    headers(request): Record<string, string> {
      const origin = allowedOrigin(request);
      return origin
        ? {
            'access-control-allow-origin': origin,
            'access-control-expose-headers': API_CORS.exposeHeaders.join(','),
          }
        : {};
    },
  };
};
