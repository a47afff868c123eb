import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';
import { serviceApp } from '../infra/app.ts';

/**
 * The local gateway answers CORS as the deployed HTTP API is configured to: the expected headers are
 * read from the synthesized template's CorsConfiguration, not restated here.
 */
let runtime: TestRuntime;
let cors: {
  AllowOrigins: string[];
  AllowMethods: string[];
  AllowHeaders: string[];
  ExposeHeaders: string[];
  MaxAge: number;
};

beforeAll(async () => {
  const service = serviceApp();
  try {
    const apis = Template.fromStack(service.stateless).findResources('AWS::ApiGatewayV2::Api');
    cors = Object.values(apis)[0]?.Properties.CorsConfiguration;
  } finally {
    service.dispose();
  }
  runtime = await startTestRuntime();
}, 120_000);
afterAll(() => runtime?.stop());

const ORIGIN = 'https://app.example';
const list = (value: string | null) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .sort();

describe('CORS, locally as on AWS', () => {
  it('answers a preflight on any API path with the configured methods, headers and age', async () => {
    expect(cors.AllowOrigins).toEqual(['*']);
    for (const path of ['/v1/upload', '/v1/media/AAAAAAAAAAAAAA', '/v1/keys']) {
      const response = await fetch(`${runtime.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(list(response.headers.get('access-control-allow-methods'))).toEqual(
        list(cors.AllowMethods.join(',')),
      );
      expect(list(response.headers.get('access-control-allow-headers'))).toEqual(
        list(cors.AllowHeaders.join(',')),
      );
      expect(Number(response.headers.get('access-control-max-age'))).toBe(cors.MaxAge);
    }
  });

  it('adds the allow-origin and expose headers to API answers to a browser, and nothing without Origin', async () => {
    const { key } = await runtime.newKey();
    const browser = await fetch(`${runtime.url}/v1/usage`, {
      headers: { ...authHeaders(key), origin: ORIGIN },
    });
    expect(browser.status).toBe(200);
    expect(browser.headers.get('access-control-allow-origin')).toBe('*');
    expect(list(browser.headers.get('access-control-expose-headers'))).toEqual(
      list(cors.ExposeHeaders.join(',')),
    );
    const refused = await fetch(`${runtime.url}/v1/usage`, { headers: { origin: ORIGIN } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');

    const plain = await fetch(`${runtime.url}/v1/usage`, { headers: authHeaders(key) });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
  });
});
