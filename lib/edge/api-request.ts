/**
 * Source of the API's CloudFront Function (viewer request, cloudfront-js-2.0), bundled at synth time
 * with `edge-contract.ts`. ES 5.1 plus a few later features: no destructuring, spread, for-of,
 * classes or default parameters (the build refuses them).
 *
 * What it does to every API request before CloudFront forwards it:
 * - a body declared larger than 4 MiB (what a Lambda invocation carries once API Gateway has
 *   base64-encoded it, with room for the event) is answered here, with 413 in the API's error shape
 *   pointing to `POST /v1/uploads`; past this point API Gateway would answer a body over its own
 *   limit itself, in a shape no client of the API expects;
 * - the client's address is set in a header (over any copy the client sent), because API Gateway
 *   only sees CloudFront's; the API trusts it only with the origin secret CloudFront adds after
 *   (a client-sent copy of that header is dropped here, whatever CloudFront would do with it).
 *
 * A body sent without `Content-Length` (chunked) cannot be measured here; over the platform's limit
 * it still meets API Gateway's own answer.
 *
 * With the full-size upload path (`fullSizeUploads`, docs/decisions/0001-full-size-uploads.md), a
 * `POST /v1/upload` over the limit, or without a declared length, goes to that origin instead of
 * being refused; every other request keeps the path above.
 */
import {
  DIRECT_REQUEST_LIMIT_BYTES,
  LARGE_UPLOAD_ORIGIN_ID,
  ORIGIN_SECRET_HEADER,
  payloadTooLarge,
  routeOf,
  VIEWER_ADDRESS_HEADER,
} from '../../lambdas/core/http/edge-contract.ts';

/** Set when the code is built (`build.ts`): whether the distribution has the full-size upload origin. */
declare const FULL_SIZE_UPLOADS: boolean;
/**
 * CloudFront's helper module (`import cf from 'cloudfront'`, the first line of the built code when
 * FULL_SIZE_UPLOADS is on): it chooses the origin of this request among the distribution's.
 */
declare const cf: { selectRequestOriginById(id: string): void };

interface FieldValue {
  value: string;
}

export interface ApiRequest {
  method: string;
  uri: string;
  headers: Record<string, FieldValue>;
}

export interface ApiRequestEvent {
  context: { requestId: string };
  viewer: { ip: string };
  request: ApiRequest;
}

export interface EdgeResponse {
  statusCode: number;
  statusDescription: string;
  headers: Record<string, FieldValue>;
  body: { encoding: 'text'; data: string };
}

export function handler(event: ApiRequestEvent): ApiRequest | EdgeResponse {
  const request = event.request;
  const length = request.headers['content-length'];
  const route = routeOf(request.method, request.uri, length ? length.value : undefined, FULL_SIZE_UPLOADS);
  if (route === 'too-large') {
    return {
      statusCode: 413,
      statusDescription: 'Payload Too Large',
      headers: {
        'content-type': { value: 'application/json; charset=utf-8' },
        // Bearer keys, never cookies: any page may read why its upload was refused.
        'access-control-allow-origin': { value: '*' },
        'cache-control': { value: 'no-store' },
      },
      body: {
        encoding: 'text',
        data: JSON.stringify(payloadTooLarge(DIRECT_REQUEST_LIMIT_BYTES, event.context.requestId)),
      },
    };
  }
  request.headers[VIEWER_ADDRESS_HEADER] = { value: event.viewer.ip };
  // CloudFront sets the real one after this function; a client's guess never travels on.
  delete request.headers[ORIGIN_SECRET_HEADER];
  if (FULL_SIZE_UPLOADS && route === 'large-upload') cf.selectRequestOriginById(LARGE_UPLOAD_ORIGIN_ID);
  return request;
}
