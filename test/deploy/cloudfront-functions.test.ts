import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DIRECT_REQUEST_LIMIT_BYTES,
  ORIGIN_SECRET_HEADER,
  VIEWER_ADDRESS_HEADER,
} from '#core/http/edge-contract';
import { type EdgeFunction, readCloudAssembly } from '#local/lambda/assembly';
import { cloudFrontFunction } from '#local/lambda/integrations';
import { handler as apiRequest } from '../../lib/edge/api-request.ts';
import { MAX_FUNCTION_BYTES } from '../../lib/edge/build.ts';
import {
  ACCEPT_CLASS_HEADER,
  FORWARDED_HOST_HEADER,
  handler as viewerRequest,
} from '../../lib/edge/viewer-request.ts';
import { toolProblem } from './tools.ts';

/**
 * Every CloudFront Function as the template ships it, run in njs (the engine CloudFront Functions
 * descend from, which has only the built-ins they have) on the documented viewer-request event
 * shapes: the viewer's and the API's compared with what the same events give in Node (the
 * synthesized code in a bare context, and the TypeScript it was built from); the dashboard's
 * against the paths it rewrites.
 */
const assembly = readCloudAssembly(inject('cloudAssembly') ?? '');
const edge = (origin: EdgeFunction['origin']) => {
  const found = assembly.edgeFunctions.find((each) => each.origin === origin);
  if (!found) throw new Error(`the template has no CloudFront Function in front of the ${origin}`);
  return found;
};
const viewer = edge('viewer');
const api = edge('api');
/** The dashboard's: `/dashboard` and `/dashboard/` are its index.html (S3 has none behind OAC). */
const dashboard = assembly.cloudFrontFunctions.find((each) => each.comment.startsWith('imgpro dashboard'));

const njsProblem = await toolProblem('njs', 'njs');

/** A viewer-request event as CloudFront builds it; `raw` also offers the query as sent (production only). */
const viewerEvent = (query: string, headers: Record<string, string>, raw: boolean) => {
  const querystring: Record<string, { value: string; multiValue?: { value: string }[] }> = {};
  for (const part of query.split('&').filter(Boolean)) {
    const equals = part.indexOf('=');
    const [name, value] = equals < 0 ? [part, ''] : [part.slice(0, equals), part.slice(equals + 1)];
    const existing = querystring[name];
    if (existing) existing.multiValue = [...(existing.multiValue ?? [{ value: existing.value }]), { value }];
    else querystring[name] = { value };
  }
  return {
    version: '1.0',
    context: {
      distributionDomainName: 'd111111abcdef8.cloudfront.net',
      eventType: 'viewer-request',
      requestId: 'r1',
    },
    viewer: { ip: '198.51.100.7' },
    request: {
      method: 'GET',
      uri: '/aB3dE5fG7hJ9kL',
      querystring,
      headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, { value }])),
      cookies: {},
      ...(raw && { rawQueryString: query }),
    },
  };
};

const QUERIES = [
  '',
  'w=300&h=200',
  'h=200&w=300&utm_source=newsletter&fbclid=x',
  'w=1&w=300&w=40',
  'format=JPEG&w=%33%30%30',
  'format=web%70&q=0080',
  '%77=120&%66ormat=png',
  'background=%23ff000080&fit=pad&w=10&h=10',
  'background=rgb(0%2C128%2C255)',
  'background=%2523ff0000&format=%2577ebp',
  'q=%ZZ&w=%&h=%2',
  'w=+300&h=3e2&blur=1.5&rotate=450',
  'caption=%E2%82%AC&w&h=&&&=5',
  'metadata=KEEP&flip=hv&sharp=0.50&gamma=1.0&segment=foreground',
  `w=${'9'.repeat(400)}&h=${'%41'.repeat(100)}`,
  'format=auto&w=800',
  'format=AUTO&w=0800&utm_source=x',
  'size=S&dpr=2.50&trim=AUTO',
  'size=social&gravity=0.30x.6&dpr=9',
  'w=10&h=10&fit=crop&gravity=Attention',
];

const HEADERS: Record<string, string>[] = [
  {},
  { host: 'i.example.com' },
  {
    host: 'd111111abcdef8.cloudfront.net',
    accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
  },
  { host: 'i.example.com', accept: 'image/avif,image/webp,image/apng,image/*,*/*;q=0.8' },
  { accept: '*/*', [ACCEPT_CLASS_HEADER]: 'forged', [FORWARDED_HOST_HEADER]: 'evil.example' },
  { accept: 'TEXT/HTML' },
  { accept: 'application/json;q=1, text/html;q=0.1' },
  { accept: 'image/webp,image/apng,image/*,*/*;q=0.8' },
  { accept: 'image/avif;q=0,image/webp;q=0.5' },
];

const viewerCases = QUERIES.flatMap((query, index) =>
  [false, true].map((raw) => viewerEvent(query, HEADERS[index % HEADERS.length] ?? {}, raw)),
);

const apiEvent = (headers: Record<string, string>, ip = '203.0.113.9') => ({
  version: '1.0',
  context: {
    distributionDomainName: 'd2.cloudfront.net',
    eventType: 'viewer-request',
    requestId: 'edge-req-1',
  },
  viewer: { ip },
  request: {
    method: 'POST',
    uri: '/v1/upload',
    querystring: {},
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, { value }])),
    cookies: {},
  },
});

const apiCases = [
  apiEvent({}),
  apiEvent({ 'content-length': String(DIRECT_REQUEST_LIMIT_BYTES) }),
  apiEvent({ 'content-length': String(DIRECT_REQUEST_LIMIT_BYTES + 1) }),
  apiEvent({ 'content-length': '73400320', authorization: 'Bearer imgpro_x' }),
  apiEvent({ 'content-length': 'abc' }),
  apiEvent({ [ORIGIN_SECRET_HEADER]: 'guess', [VIEWER_ADDRESS_HEADER]: '10.0.0.1' }, '2001:db8::1'),
];

/** Runs `code` on every event in njs: one process, one JSON line per event. */
const inNjs = async (code: string, events: unknown[]): Promise<unknown[]> => {
  const dir = await mkdtemp(join(tmpdir(), 'imgpro-njs-'));
  try {
    const script = join(dir, 'function.js');
    // rawQueryString is a method of the production runtime's request; JSON cannot carry one.
    const driver = `
var events = ${JSON.stringify(events)};
for (var i = 0; i < events.length; i++) {
  var request = events[i].request;
  if (typeof request.rawQueryString === 'string') {
    (function (raw) { request.rawQueryString = function () { return raw; }; })(request.rawQueryString);
  }
  console.log(JSON.stringify(handler(events[i])));
}`;
    await writeFile(script, `${code}\n${driver}`);
    const { stdout } = await promisify(execFile)('njs', [script]);
    return stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

// What the build defines for the API's function (lib/edge/build.ts), as the default template has it:
// the source run here must see the same value the synthesized code was compiled with.
Object.assign(globalThis, { FULL_SIZE_UPLOADS: false });

/** The same events in Node: a method for rawQueryString, and a JSON round trip like njs's output. */
const inNode = (run: (event: never) => unknown, events: unknown[]) =>
  events.map((event) => {
    const copy = structuredClone(event) as { request: { rawQueryString?: unknown } };
    const raw = copy.request.rawQueryString;
    if (typeof raw === 'string') copy.request.rawQueryString = () => raw;
    return JSON.parse(JSON.stringify(run(copy as never))) as unknown;
  });

const dashboardCases = [
  '/dashboard',
  '/dashboard/',
  '/dashboard/app.js',
  '/dashboardx',
  '/aB3dE5fG7hJ9kL',
].map((uri) => ({ ...viewerEvent('', {}, false), request: { ...viewerEvent('', {}, false).request, uri } }));

describe('the CloudFront Functions in the template', () => {
  it('are all run here: the viewer’s, the API’s and the dashboard’s', () => {
    expect(dashboard).toBeDefined();
    expect(assembly.cloudFrontFunctions.map((each) => each.id).sort()).toEqual(
      [viewer.id, api.id, dashboard?.id].sort(),
    );
  });

  it.each(assembly.cloudFrontFunctions)('fit CloudFront’s 10 KB and run on cloudfront-js-2.0 ($id)', (fn) => {
    expect(fn.runtime).toBe('cloudfront-js-2.0');
    expect(Buffer.byteLength(fn.code)).toBeLessThanOrEqual(MAX_FUNCTION_BYTES);
  });

  it('are the code the TypeScript builds to, in Node', () => {
    expect(inNode(cloudFrontFunction(viewer.code), viewerCases)).toEqual(inNode(viewerRequest, viewerCases));
    expect(inNode(cloudFrontFunction(api.code), apiCases)).toEqual(inNode(apiRequest, apiCases));
  });
});

describe.skipIf(njsProblem !== undefined)(`the CloudFront Functions in njs${njsProblem ?? ''}`, () => {
  let viewerResults: unknown[];
  let apiResults: unknown[];
  let dashboardResults: unknown[];
  beforeAll(async () => {
    [viewerResults, apiResults, dashboardResults] = await Promise.all([
      inNjs(viewer.code, viewerCases),
      inNjs(api.code, apiCases),
      inNjs(dashboard?.code ?? '', dashboardCases),
    ]);
  });

  it('give the dashboard’s page for its bare paths and leave every other path alone', () => {
    expect(dashboardResults.map((request) => (request as { uri: string }).uri)).toEqual([
      '/dashboard/index.html',
      '/dashboard/index.html',
      '/dashboard/app.js',
      '/dashboardx',
      '/aB3dE5fG7hJ9kL',
    ]);
  });

  it('give the viewer request exactly what Node gives, for every query and header case', () => {
    expect(viewerResults).toEqual(inNode(viewerRequest, viewerCases));
  });

  it('canonicalise the query and classify Accept as the origin expects', () => {
    const [plain, , reordered, , withJunk, , lastWins] = viewerResults as {
      querystring: string;
      headers: Record<string, { value: string }>;
    }[];
    expect(plain?.querystring).toBe('');
    expect(withJunk?.querystring).toBe('h=200&w=300');
    expect(reordered?.querystring).toBe('h=200&w=300');
    expect(lastWins?.querystring).toBe('w=40');
    expect(withJunk?.headers[ACCEPT_CLASS_HEADER]?.value).toBe('html');
  });

  it('give the API request exactly what Node gives: 413 over the limit, the address, no forged secret', () => {
    expect(apiResults).toEqual(inNode(apiRequest, apiCases));
    const [none, atLimit, overLimit, , , forged] = apiResults as {
      statusCode?: number;
      body?: { data: string };
      headers: Record<string, { value: string }>;
    }[];
    expect(none?.headers[VIEWER_ADDRESS_HEADER]?.value).toBe('203.0.113.9');
    expect(atLimit?.statusCode).toBeUndefined();
    expect(overLimit?.statusCode).toBe(413);
    expect(JSON.parse(overLimit?.body?.data ?? '{}')).toMatchObject({
      error: 'payload_too_large',
      request_id: 'edge-req-1',
    });
    expect(forged?.headers[ORIGIN_SECRET_HEADER]).toBeUndefined();
    expect(forged?.headers[VIEWER_ADDRESS_HEADER]?.value).toBe('2001:db8::1');
  });
});
