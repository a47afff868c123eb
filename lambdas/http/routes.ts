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
  { method: 'GET', path: '/v1/media', entry: 'list-media' },
  { method: 'GET', path: '/v1/media/{id}', entry: 'get-media' },
  { method: 'PATCH', path: '/v1/media/{id}', entry: 'update-media' },
  { method: 'DELETE', path: '/v1/media/{id}', entry: 'delete-media' },
  // API Gateway prefers the literal segment over {id}, so "batch" is never taken for an id.
  { method: 'PATCH', path: '/v1/media/batch', entry: 'update-media-batch' },
  { method: 'DELETE', path: '/v1/media/batch', entry: 'delete-media-batch' },
  { method: 'GET', path: '/v1/usage', entry: 'usage' },
  { method: 'GET', path: '/openapi.json', entry: 'openapi' },
];
