/**
 * The HTTP API's routes, each served by its own entry module (one Lambda per route on AWS). The
 * local runtime and the CDK stack both read this table, so they cannot drift apart; `access` is what
 * the route's function may touch, and the stack grants exactly that.
 */
export interface RouteAccess {
  table?: 'read' | 'readWrite';
  /** Operations on the originals bucket (`list`: key names under the prefixes the cleanup sweeps). */
  originals?: readonly ('read' | 'put' | 'delete' | 'list')[];
  /** Reads the upgrade-link signing secret (routes that can answer quota_exceeded). */
  upgradeSecret?: boolean;
}

export interface RouteDefinition {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** API Gateway path syntax: `{name}` captures one segment. */
  path: string;
  /** Entry module, relative to `lambdas/http/`, without extension. */
  entry: string;
  access: RouteAccess;
}

const read: RouteAccess = { table: 'read' };
const write: RouteAccess = { table: 'readWrite' };
const store: RouteAccess = { table: 'readWrite', originals: ['put', 'delete'], upgradeSecret: true };

export const ROUTES: readonly RouteDefinition[] = [
  { method: 'POST', path: '/v1/upload', entry: 'upload', access: store },
  { method: 'POST', path: '/v1/import', entry: 'import', access: store },
  // Files too large for a Lambda request (6 MB, base64 included) go straight to S3, then are completed here.
  {
    method: 'POST',
    path: '/v1/uploads',
    entry: 'create-direct-upload',
    access: { ...store, originals: ['put'] },
  },
  {
    method: 'POST',
    path: '/v1/uploads/{upload_id}/complete',
    entry: 'complete-direct-upload',
    access: { ...store, originals: ['read', 'put', 'delete'] },
  },
  { method: 'GET', path: '/v1/media', entry: 'list-media', access: read },
  { method: 'GET', path: '/v1/media/{id}', entry: 'get-media', access: read },
  { method: 'PATCH', path: '/v1/media/{id}', entry: 'update-media', access: write },
  { method: 'DELETE', path: '/v1/media/{id}', entry: 'delete-media', access: write },
  // API Gateway prefers the literal segment over {id}, so "batch" is never taken for an id.
  { method: 'PATCH', path: '/v1/media/batch', entry: 'update-media-batch', access: write },
  { method: 'DELETE', path: '/v1/media/batch', entry: 'delete-media-batch', access: write },
  { method: 'GET', path: '/v1/usage', entry: 'usage', access: read },
  { method: 'GET', path: '/openapi.json', entry: 'openapi', access: {} },
];
