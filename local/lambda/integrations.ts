import { runInNewContext } from 'node:vm';
import type { HttpResponse } from '#core/http/response';
import type { InvokeOutcome } from './environment.ts';

/**
 * What the services in front of a function make of its invocation: API Gateway's HTTP API (payload
 * format 2.0), a function URL in `RESPONSE_STREAM` mode, and a CloudFront distribution's viewer-
 * request function with its origin custom headers.
 */

const INTERNAL_ERROR: HttpResponse = {
  statusCode: 500,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message: 'Internal Server Error' }),
};

/**
 * API Gateway (payload 2.0): a result with a `statusCode` is the response; any other JSON is a 200
 * `application/json` body; a failed invocation is its generic 500.
 */
export const apiGatewayResponse = (outcome: InvokeOutcome): HttpResponse => {
  if (outcome.type !== 'response') return INTERNAL_ERROR;
  const text = outcome.payload.toString('utf8');
  let result: unknown;
  try {
    result = JSON.parse(text);
  } catch {
    return INTERNAL_ERROR;
  }
  if (result && typeof result === 'object' && 'statusCode' in result) return result as HttpResponse;
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: text };
};

/** The content type a streaming handler announces when it starts with status and headers (a prelude). */
const PRELUDE_TYPE = 'application/vnd.awslambda.http-integration-response';
const PRELUDE_END = Buffer.alloc(8);

/**
 * A function URL in `RESPONSE_STREAM` mode: the stream starts with a JSON prelude (status, headers,
 * cookies) ended by eight NUL bytes, then the body; without the prelude's content type the stream is
 * a 200 body of the type announced. A failure before anything was streamed is a 502.
 */
export const functionUrlResponse = (outcome: InvokeOutcome): HttpResponse => {
  if (outcome.type === 'response') return apiGatewayResponse(outcome);
  if (outcome.type === 'error' || (outcome.error && outcome.body.length === 0))
    return {
      statusCode: 502,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Message: null }),
    };
  let status = 200;
  let headers: Record<string, string> = { 'content-type': outcome.contentType };
  let cookies: string[] | undefined;
  let body = outcome.body;
  if (outcome.contentType === PRELUDE_TYPE) {
    const end = body.indexOf(PRELUDE_END);
    if (end < 0) return { statusCode: 502, headers: {}, body: '' };
    const prelude = JSON.parse(body.subarray(0, end).toString('utf8')) as {
      statusCode?: number;
      headers?: Record<string, string>;
      cookies?: string[];
    };
    status = prelude.statusCode ?? 200;
    headers = prelude.headers ?? {};
    cookies = prelude.cookies;
    body = body.subarray(end + PRELUDE_END.length);
  }
  return {
    statusCode: status,
    headers,
    ...(cookies && { cookies }),
    ...(body.length > 0 && { body: body.toString('base64'), isBase64Encoded: true }),
  };
};

/** The event EventBridge sends for a scheduled rule. */
export const scheduledEvent = (ruleName: string) => ({
  version: '0',
  id: crypto.randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '000000000000',
  time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: 'us-east-1',
  resources: [`arn:aws:events:us-east-1:000000000000:rule/${ruleName}`],
  detail: {},
});

/** A request as a CloudFront viewer-request function receives it. */
export interface EdgeRequest {
  method: string;
  uri: string;
  headers: Record<string, string>;
  clientIp: string;
  requestId: string;
}

/** The request to forward (its headers), or CloudFront's own answer. */
export type EdgeDecision = { headers: Record<string, string> } | { response: HttpResponse };

type FieldValues = Record<string, { value: string }>;

/**
 * A CloudFront Function's code run as CloudFront runs it: one script in a bare context (no module
 * system, no Node globals) whose top-level `handler(event)` gets the viewer request.
 */
export const cloudFrontFunction = (code: string) =>
  runInNewContext(`${code}\n;handler`, {}) as (event: unknown) => Record<string, unknown>;

/**
 * A CloudFront distribution that forwards every header but `Host` (the API's): the viewer-request
 * function decides first, then CloudFront adds the origin's custom headers.
 */
export const forwardingDistribution =
  (viewerRequest: (event: unknown) => Record<string, unknown>, originHeaders: Record<string, string>) =>
  (request: EdgeRequest): EdgeDecision => {
    const result = viewerRequest({
      version: '1.0',
      context: {
        distributionDomainName: 'localhost',
        eventType: 'viewer-request',
        requestId: request.requestId,
      },
      viewer: { ip: request.clientIp },
      request: {
        method: request.method,
        uri: request.uri,
        querystring: {},
        headers: Object.fromEntries(
          Object.entries(request.headers).map(([name, value]) => [name, { value }]),
        ),
        cookies: {},
      },
    });
    if ('statusCode' in result) {
      const body = result.body as { data?: string } | string | undefined;
      return {
        response: {
          statusCode: Number(result.statusCode),
          headers: flatten((result.headers ?? {}) as FieldValues),
          body: typeof body === 'string' ? body : (body?.data ?? ''),
        },
      };
    }
    const { host: _host, ...headers } = flatten(result.headers as FieldValues);
    return { headers: { ...headers, ...originHeaders } };
  };

const flatten = (fields: FieldValues): Record<string, string> =>
  Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, field.value]));
