import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Credentials } from '#core/api-keys/auth';
import { fieldError } from '#core/errors';
import { ORIGIN_SECRET_HEADER, VIEWER_ADDRESS_HEADER } from '#core/http/edge-contract';

/**
 * The request as API Gateway (HTTP API, payload v2) and Lambda function URLs deliver it; the local
 * runtime builds the same shape. Header names arrive lower-cased.
 */
export type HttpEvent = APIGatewayProxyEventV2;

export const header = (event: HttpEvent, name: string): string | undefined =>
  event.headers[name.toLowerCase()];

export const bodyBytes = (event: HttpEvent): Buffer =>
  Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');

export const pathParameter = (event: HttpEvent, name: string): string => event.pathParameters?.[name] ?? '';

/** The JSON body as an unknown value for a schema to parse; unparseable JSON is a 422 on `body`. */
export const jsonBody = (event: HttpEvent): unknown => {
  try {
    return JSON.parse(bodyBytes(event).toString('utf8'));
  } catch {
    throw fieldError('body', 'The body must be valid JSON.');
  }
};

/** Who sent the request at the network level, as the platform saw it (never a client-sent header). */
export const sourceIp = (event: HttpEvent): string => event.requestContext.http.sourceIp;

/**
 * What identifies the caller: the Authorization header and the network address, and what the API's
 * distribution vouches for (trusted only when its secret is the configured one, see auth.ts).
 */
export const credentials = (event: HttpEvent): Credentials => ({
  authorization: header(event, 'authorization'),
  sourceIp: sourceIp(event),
  edge: {
    secret: header(event, ORIGIN_SECRET_HEADER),
    viewerAddress: header(event, VIEWER_ADDRESS_HEADER),
  },
});
