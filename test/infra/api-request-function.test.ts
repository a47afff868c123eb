import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  DIRECT_REQUEST_LIMIT_BYTES,
  ORIGIN_SECRET_HEADER,
  VIEWER_ADDRESS_HEADER,
} from '#core/http/edge-contract';
import { buildApiRequestCode } from '../../lib/edge/build.ts';

/**
 * The API's CloudFront Function as CloudFront runs it: one script in a bare context (no module
 * system, no Node globals), whose top-level `handler(event)` gets the viewer request.
 */
const code = buildApiRequestCode();
type Answer = {
  statusCode?: number;
  statusDescription?: string;
  headers: Record<string, { value: string }>;
  body?: { encoding: string; data: string };
};
const handler = runInNewContext(`${code}\nhandler;`, {}) as (event: unknown) => Answer;

const event = (method: string, headers: Record<string, string> = {}) => ({
  version: '1.0',
  context: { eventType: 'viewer-request', requestId: 'edge-request-1' },
  viewer: { ip: '198.51.100.7' },
  request: {
    method,
    uri: '/v1/upload',
    querystring: {},
    headers: Object.fromEntries(
      Object.entries({ host: 'api.example.com', ...headers }).map(([name, value]) => [name, { value }]),
    ),
    cookies: {},
  },
});

describe('API CloudFront Function', () => {
  it('answers a body Lambda cannot take with the API’s 413, pointing to /v1/uploads', () => {
    const answer = handler(
      event('POST', {
        'content-length': String(DIRECT_REQUEST_LIMIT_BYTES + 1),
        'content-type': 'multipart/form-data; boundary=x',
        authorization: 'Bearer imgpro_x_y',
      }),
    );
    expect(answer.statusCode).toBe(413);
    expect(answer.headers['content-type']?.value).toBe('application/json; charset=utf-8');
    expect(answer.headers['access-control-allow-origin']?.value).toBe('*');
    expect(answer.headers['cache-control']?.value).toBe('no-store');
    expect(answer.body?.encoding).toBe('text');
    const body = JSON.parse(answer.body?.data ?? '{}');
    expect(body).toEqual({
      error: 'payload_too_large',
      message: expect.stringContaining('POST /v1/uploads'),
      request_id: 'edge-request-1',
    });
    expect(body.message).toContain(`${DIRECT_REQUEST_LIMIT_BYTES} bytes (4 MiB)`);
  });

  it('passes a body at the limit, and requests without a body, on to the API', () => {
    for (const request of [
      event('POST', { 'content-length': String(DIRECT_REQUEST_LIMIT_BYTES) }),
      event('GET'),
      event('POST', { 'transfer-encoding': 'chunked' }), // no length to judge: API Gateway's limit applies
      event('POST', { 'content-length': 'abc' }), // not a length: API Gateway refuses it itself
    ]) {
      const answer = handler(request);
      expect(answer.statusCode).toBeUndefined();
      expect(answer.headers.host?.value).toBe('api.example.com');
    }
  });

  it('sets the client address CloudFront saw, over any the client sent', () => {
    const answer = handler(event('POST', { [VIEWER_ADDRESS_HEADER]: '192.0.2.66', 'content-length': '10' }));
    expect(answer.headers[VIEWER_ADDRESS_HEADER]?.value).toBe('198.51.100.7');
  });

  it('drops a client’s guess at the origin secret (CloudFront adds the real one after)', () => {
    const answer = handler(event('GET', { [ORIGIN_SECRET_HEADER]: 'guessed' }));
    expect(answer.headers[ORIGIN_SECRET_HEADER]).toBeUndefined();
  });
});
