/**
 * What the API's CloudFront Function (lib/edge/api-request.ts) and the API's functions agree on.
 * The function bundles this file, so it stays dependency-free and within cloudfront-js-2.0 syntax.
 */

/**
 * The largest request body the API takes directly on AWS. A Lambda invocation carries at most
 * 6,291,456 bytes and API Gateway base64-encodes binary bodies (4 bytes for every 3), so a 4 MiB
 * body becomes 5.6 MB and leaves room for headers and the event around it. Larger files go through
 * `POST /v1/uploads`, straight to S3.
 */
export const DIRECT_REQUEST_LIMIT_BYTES = 4 * 1024 * 1024;

/** The API distribution's origin for uploads larger than a Lambda invocation carries (decision 0001). */
export const LARGE_UPLOAD_ORIGIN_ID = 'large-uploads';

/**
 * Where a request to the API goes, decided from what the edge sees before the body: the API's
 * functions; the full-size upload path (with `fullSizeUploads`: an upload larger than a Lambda
 * invocation carries, or of a length not declared); or nowhere, with the API's 413. The CloudFront
 * Function and the local runtime's gateway both ask this, so they cannot disagree.
 */
export const routeOf = (
  method: string,
  uri: string,
  contentLength: string | undefined,
  fullSizeUploads: boolean,
): 'function' | 'large-upload' | 'too-large' => {
  const large = contentLength !== undefined && Number(contentLength) > DIRECT_REQUEST_LIMIT_BYTES;
  if (fullSizeUploads && method === 'POST' && uri === '/v1/upload' && (large || contentLength === undefined))
    return 'large-upload';
  return large ? 'too-large' : 'function';
};

/** The client's address as CloudFront saw it; the edge sets it over any copy the client sent. */
export const VIEWER_ADDRESS_HEADER = 'x-imgpro-viewer-address';

/**
 * Added by CloudFront to every request it sends the API, with a value from Secrets Manager: the
 * proof that a request came through the distribution, and so that its viewer address is true.
 */
export const ORIGIN_SECRET_HEADER = 'x-imgpro-origin-secret';

const mebibytes = (bytes: number): string => String(Math.round((bytes / 1024 / 1024) * 10) / 10);

/** The error body for a request over `limitBytes`, in the API's error shape. */
export const payloadTooLarge = (limitBytes: number, requestId: string) => ({
  error: 'payload_too_large',
  message:
    `A request to the API carries at most ${limitBytes} bytes (${mebibytes(limitBytes)} MiB), form ` +
    'fields included. ' +
    'Send larger files with POST /v1/uploads: it answers with a form that uploads the file straight ' +
    'to storage, then POST /v1/uploads/{upload_id}/complete makes it media.',
  request_id: requestId,
});
