import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  DIRECT_REQUEST_LIMIT_BYTES,
  ORIGIN_SECRET_HEADER,
  VIEWER_ADDRESS_HEADER,
} from '#core/http/edge-contract';
import { buildApiRequestCode, CLOUDFRONT_MODULE_IMPORT } from '../../lib/edge/build.ts';

const njsAvailable = (() => {
  try {
    execFileSync('njs', ['-v']);
    return true;
  } catch {
    return false;
  }
})();

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

/**
 * With `fullSizeUploads`, the function as built for that distribution: its first line imports
 * CloudFront's helper module, stood in for here by one that records the origin chosen — in Node (a
 * bare context) and in njs (a module file named `cloudfront` on the module path).
 */
describe('API CloudFront Function with full-size uploads', () => {
  const fullSize = buildApiRequestCode({ fullSizeUploads: true });
  const large = String(DIRECT_REQUEST_LIMIT_BYTES + 1);
  const cases = [
    event('POST', { 'content-length': large }), // a large upload: the full-size origin
    event('POST', { 'transfer-encoding': 'chunked' }), // no length to judge: the full-size origin
    event('POST', { 'content-length': '1000' }), // a small upload: the API, as before
    {
      ...event('POST', { 'content-length': large }),
      request: {
        ...event('POST').request,
        uri: '/v1/import',
        headers: { 'content-length': { value: large } },
      },
    }, // other routes: 413 as before
  ];
  const expected = ['large-uploads', 'large-uploads', undefined, undefined];

  const inNode = (events: unknown[]) =>
    events.map((each) => {
      const chosen: string[] = [];
      const run = runInNewContext(
        `${fullSize.replace(CLOUDFRONT_MODULE_IMPORT, 'var cf = __cf;')}\nhandler;`,
        {
          __cf: { selectRequestOriginById: (id: string) => chosen.push(id) },
        },
      ) as (event: unknown) => Answer;
      return { answer: JSON.parse(JSON.stringify(run(each))) as Answer, origin: chosen[0] };
    });

  it('starts with CloudFront’s module import; the default build has neither it nor the origin', () => {
    expect(fullSize.startsWith(`${CLOUDFRONT_MODULE_IMPORT}\n`)).toBe(true);
    expect(code).not.toContain('cloudfront');
    expect(code).not.toContain('selectRequestOriginById');
  });

  it('sends large and unmeasured uploads to the full-size origin, everything else as before (Node)', () => {
    const results = inNode(cases);
    expect(results.map((result) => result.origin)).toEqual(expected);
    expect(results[0]?.answer.statusCode).toBeUndefined();
    expect(results[0]?.answer.headers[VIEWER_ADDRESS_HEADER]?.value).toBe('198.51.100.7');
    expect(results[3]?.answer.statusCode).toBe(413);
  });

  it.skipIf(!njsAvailable)('does the same in njs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imgpro-njs-origin-'));
    try {
      await writeFile(
        join(dir, 'cloudfront'),
        'var chosen = []; export default { chosen: chosen, selectRequestOriginById: function (id) { chosen.push(id); } };',
      );
      const driver = `
var events = ${JSON.stringify(cases)};
for (var i = 0; i < events.length; i++) {
  var before = cf.chosen.length;
  var answer = handler(events[i]);
  console.log(JSON.stringify({ answer: answer, origin: cf.chosen.length > before ? cf.chosen[before] : null }));
}`;
      await writeFile(join(dir, 'function.js'), `${fullSize}\n${driver}`);
      const { stdout } = await promisify(execFile)('njs', [
        '-t',
        'module',
        '-p',
        dir,
        join(dir, 'function.js'),
      ]);
      const results = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { answer: Answer; origin: string | null });
      expect(results.map((result) => result.origin ?? undefined)).toEqual(expected);
      expect(results.map((result) => result.answer)).toEqual(inNode(cases).map((result) => result.answer));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
