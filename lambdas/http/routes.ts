/**
 * The HTTP API's routes, each served by its own entry module (one Lambda per route on AWS). The
 * local runtime and the CDK stack both read this table, so they cannot drift apart.
 */
export interface RouteDefinition {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** API Gateway path syntax: `{name}` captures one segment. */
  path: string;
  /** Entry module, relative to `lambdas/http/`, without extension. */
  entry: string;
}

export const ROUTES: readonly RouteDefinition[] = [
  { method: 'POST', path: '/v1/upload', entry: 'upload' },
  { method: 'GET', path: '/v1/media/{id}', entry: 'get-media' },
];
