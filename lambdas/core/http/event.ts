import type { Readable } from 'node:stream';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Credentials } from '#core/api-keys/auth';
import { DomainError, fieldError } from '#core/errors';
import { ORIGIN_SECRET_HEADER, VIEWER_ADDRESS_HEADER } from '#core/http/edge-contract';

/**
 * The request as API Gateway (HTTP API, payload v2) and Lambda function URLs deliver it; the local
 * runtime builds the same shape. Header names arrive lower-cased.
 */
export type HttpEvent = APIGatewayProxyEventV2;

export const header = (event: HttpEvent, name: string): string | undefined =>
  event.headers[name.toLowerCase()];

/**
 * Bodies too large for a Lambda event (the full-size upload path, docs/decisions/0001) travel beside
 * the event: as the request stream they arrive on, read once by whoever parses them, or once read
 * in full, as those bytes (never copied into the event as base64).
 */
const streamedBodies = new WeakMap<HttpEvent, Readable>();
const readBodies = new WeakMap<HttpEvent, Buffer>();

export const bodyBytes = (event: HttpEvent): Buffer =>
  readBodies.get(event) ?? Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');

/** A copy of `event` whose body is `bytes`, read from its stream. */
export const withReadBody = (event: HttpEvent, bytes: Buffer): HttpEvent => {
  const read = { ...event };
  readBodies.set(read, bytes);
  return read;
};

export const withStreamedBody = (event: HttpEvent, body: Readable): HttpEvent => {
  streamedBodies.set(event, body);
  return event;
};

/** The body as a stream, when it came as one; else it is in the event (`bodyBytes`). */
export const streamedBody = (event: HttpEvent): Readable | undefined => streamedBodies.get(event);

export const pathParameter = (event: HttpEvent, name: string): string => event.pathParameters?.[name] ?? '';

/**
 * The most a JSON request of this API can need: twenty attribution values of 1,000 characters and a
 * caption of 2,000, every character escaped (`\\uXXXX`), come to about 130 KB.
 */
export const JSON_BODY_LIMIT_BYTES = 256 * 1024;

/**
 * The JSON body as an unknown value for a schema to parse: larger than any request needs is a 413
 * (before it is parsed), unparseable JSON a 422 on `body`.
 */
export const jsonBody = (event: HttpEvent): unknown => {
  const bytes = bodyBytes(event);
  if (bytes.length > JSON_BODY_LIMIT_BYTES) {
    throw new DomainError(
      'too_large',
      `A JSON request carries at most ${JSON_BODY_LIMIT_BYTES} bytes; this one has ${bytes.length}.`,
    );
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
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
