import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import { authHeaders, json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';
import { type RecordingServer, startRecordingServer } from '#test/servers';

/**
 * Every route's real answers, successes and refusals, checked against the OpenAPI document the API
 * serves: the status must be documented for the operation, a JSON body must match its schema, and
 * every documented header it carries must have the documented type. Every operation is exercised.
 */
interface Operation {
  operationId: string;
  responses: Record<
    string,
    { content?: Record<string, unknown>; headers?: Record<string, { schema: object; required?: boolean }> }
  >;
}
type Document = { paths: Record<string, Record<string, Operation>> };

let runtime: TestRuntime;
let origin: RecordingServer;
let document: Document;
let ajv: Ajv2020;
const exercised = new Set<string>();

beforeAll(async () => {
  origin = await startRecordingServer(async (request, response) => {
    if (request.url === '/photo.jpg')
      response.writeHead(200, { 'content-type': 'image/jpeg' }).end(await jpeg(20, 10));
    else response.writeHead(500).end('no');
  });
  runtime = await startTestRuntime({
    IMPORT_ALLOW_PRIVATE_NETWORKS: 'true',
    IMPORT_ALLOWED_PORTS: '*',
    PLANS: JSON.stringify({ free: { uploadsPerMonth: 4 } }),
    ANON_RATE_LIMIT_HOURLY: '2',
  });
  document = (await json(await fetch(`${runtime.url}/openapi.json`))) as unknown as Document;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  // A CommonJS module whose types describe its `default` export.
  addFormats.default(ajv);
  ajv.addSchema({ ...document, $id: 'openapi.json' });
});
afterAll(async () => {
  await runtime?.stop();
  await origin?.close();
});

const pointer = (...parts: string[]) =>
  parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** Checks `response` against the operation at `path` (the document's template) and `method`. */
const conforms = async (method: string, path: string, response: Response) => {
  const operation = document.paths[path]?.[method.toLowerCase()];
  expect(operation, `${method} ${path} is documented`).toBeDefined();
  if (!operation) return;
  exercised.add(operation.operationId);
  const status = String(response.status);
  const documented = operation.responses[status];
  expect(documented, `${method} ${path} documents ${status}`).toBeDefined();
  const type = (response.headers.get('content-type') ?? '').split(';')[0] ?? '';
  if (type === 'application/json') {
    const validate = ajv.getSchema(
      `openapi.json#/${pointer('paths', path, method.toLowerCase(), 'responses', status, 'content', 'application/json', 'schema')}`,
    );
    const body = await response.json();
    expect(validate, `${method} ${path} ${status} has a JSON schema`).toBeDefined();
    if (validate && !validate(body)) {
      expect.fail(`${method} ${path} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
    }
  } else if (documented?.content) {
    const accepted = Object.keys(documented.content);
    expect(
      accepted.some(
        (media) => media === type || (media.endsWith('/*') && type.startsWith(media.slice(0, -1))),
      ),
      `${type} is one of ${accepted.join(', ')}`,
    ).toBe(true);
  }
  for (const [name, header] of Object.entries(documented?.headers ?? {})) {
    const value = response.headers.get(name);
    if (header.required) expect(value, `${name} on ${method} ${path} ${status}`).not.toBeNull();
    if (value === null) continue;
    const typed = 'type' in header.schema && header.schema.type === 'integer' ? Number(value) : value;
    expect(ajv.validate(header.schema, typed), `${name}: ${value}`).toBe(true);
  }
};

const call = async (method: string, path: string, template: string, init: RequestInit = {}) => {
  const response = await fetch(`${runtime.url}${path}`, { method, ...init });
  await conforms(method, template, response);
  return response;
};

const jsonRequest = (method: string, body: unknown, key?: string): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', ...authHeaders(key) },
  body: JSON.stringify(body),
});

describe('every answer matches the OpenAPI document', () => {
  it('for uploads and imports, their refusals, quotas and limits', async () => {
    const { key } = await runtime.newKey();
    const file = await jpeg(16, 12);
    const created = await upload(runtime.url, { file, key, fields: { author: 'Jane', external_id: 'x-1' } });
    await conforms('POST', '/v1/upload', created);
    await conforms(
      'POST',
      '/v1/upload',
      await upload(runtime.url, { file, key, fields: { external_id: 'x-1' } }),
    );
    await conforms('POST', '/v1/upload', await upload(runtime.url, { key }));
    await conforms('POST', '/v1/upload', await upload(runtime.url, { file, key: 'imgpro_nope' }));
    for (let i = 0; i < 3; i++) await conforms('POST', '/v1/upload', await upload(runtime.url, { file }));

    await call(
      'POST',
      '/v1/import',
      '/v1/import',
      jsonRequest('POST', { url: `${origin.url}/photo.jpg`, caption: 'c' }, key),
    );
    await call(
      'POST',
      '/v1/import',
      '/v1/import',
      jsonRequest('POST', { url: `${origin.url}/missing` }, key),
    );
    await call('POST', '/v1/import', '/v1/import', jsonRequest('POST', { url: 'ftp://example.com/x' }, key));
    // The plan allows 4 uploads this month: an upload and an import so far, two more, then a refusal.
    const once = { headers: { 'idempotency-key': 'contract-1' } };
    await conforms('POST', '/v1/upload', await upload(runtime.url, { file, key }));
    await conforms('POST', '/v1/upload', await upload(runtime.url, { file, key, ...once }));
    const refused = await upload(runtime.url, { file, key });
    expect(refused.status).toBe(403);
    await conforms('POST', '/v1/upload', refused);
    // A replay is the first answer, also once the quota is used up; another request under its key is not.
    const replayed = await upload(runtime.url, { file, key, ...once });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    await conforms('POST', '/v1/upload', replayed);
    const reused = await upload(runtime.url, { file, key, fields: { caption: 'other' }, ...once });
    expect(reused.status).toBe(422);
    await conforms('POST', '/v1/upload', reused);
  });

  it('for direct uploads', async () => {
    const { key } = await runtime.newKey();
    const file = await jpeg(8, 8);
    const started = await call(
      'POST',
      '/v1/uploads',
      '/v1/uploads',
      jsonRequest('POST', { size: file.length }, key),
    );
    const intent = (await fetch(
      `${runtime.url}/v1/uploads`,
      jsonRequest('POST', { size: file.length }, key),
    ).then((response) => response.json())) as {
      upload_id: string;
      upload: { url: string; fields: Record<string, string> };
    };
    expect(started.status).toBe(201);
    const form = new FormData();
    for (const [name, value] of Object.entries(intent.upload.fields)) form.append(name, value);
    form.append('file', new Blob([file]));
    await fetch(intent.upload.url, { method: 'POST', body: form });
    const complete = '/v1/uploads/{upload_id}/complete';
    await call('POST', `/v1/uploads/${intent.upload_id}/complete`, complete, { headers: authHeaders(key) });
    await call('POST', '/v1/uploads/nope/complete', complete, { headers: authHeaders(key) });
    await call('POST', '/v1/uploads', '/v1/uploads', jsonRequest('POST', { size: 'big' }, key));
    const keyed = (size: number): RequestInit => {
      const init = jsonRequest('POST', { size }, key);
      return { ...init, headers: { ...(init.headers as object), 'idempotency-key': 'contract-2' } };
    };
    await call('POST', '/v1/uploads', '/v1/uploads', keyed(file.length));
    const replayed = await call('POST', '/v1/uploads', '/v1/uploads', keyed(file.length));
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect((await call('POST', '/v1/uploads', '/v1/uploads', keyed(file.length + 1))).status).toBe(422);
  });

  it('for reading, changing and deleting media, singly and in batches, and usage', async () => {
    const { key } = await runtime.newKey();
    const readOnly = await runtime.newKey({ abilities: 'read' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const body = await json(
        await upload(runtime.url, { file: await jpeg(), key, fields: { author: 'A' } }),
      );
      ids.push(String(body.id));
    }
    const [first, second, third] = ids;
    const one = '/v1/media/{id}';
    await call('GET', '/v1/media?limit=2', '/v1/media', { headers: authHeaders(key) });
    await call('GET', `/v1/media?ids=${ids.join(',')}`, '/v1/media', { headers: authHeaders(key) });
    await call('GET', '/v1/media?limit=0', '/v1/media', { headers: authHeaders(key) });
    await call('GET', '/v1/media', '/v1/media');
    await call('GET', `/v1/media/${first}`, one, { headers: authHeaders(key) });
    await call('GET', '/v1/media/AAAAAAAAAAAAAA', one, { headers: authHeaders(key) });
    await call(
      'PATCH',
      `/v1/media/${first}`,
      one,
      jsonRequest('PATCH', { caption: 'New', public: true, keep_metadata: true, license: 'cc' }, key),
    );
    await call('PATCH', `/v1/media/${first}`, one, jsonRequest('PATCH', { ttl: 'soon' }, key));
    await call('PATCH', `/v1/media/${first}`, one, jsonRequest('PATCH', { caption: 'x' }, readOnly.key));
    await call('DELETE', `/v1/media/${first}`, one, { headers: authHeaders(key) });
    await call('DELETE', `/v1/media/${first}`, one, { headers: authHeaders(key) });
    const batch = '/v1/media/batch';
    await call(
      'PATCH',
      batch,
      batch,
      jsonRequest('PATCH', { ids: [second, 'AAAAAAAAAAAAAA'], caption: 'b', keep_metadata: true }, key),
    );
    await call('PATCH', batch, batch, jsonRequest('PATCH', { ids: [] }, key));
    await call('DELETE', batch, batch, jsonRequest('DELETE', { ids: [third, 'AAAAAAAAAAAAAA'] }, key));
    await call('GET', '/v1/usage', '/v1/usage', { headers: authHeaders(key) });
    await call('GET', '/v1/usage', '/v1/usage', { headers: authHeaders('imgpro_bad') });
    await call('GET', '/openapi.json', '/openapi.json');
    await call(
      'POST',
      '/v1/keys',
      '/v1/keys',
      jsonRequest('POST', { email: 'c@example.com', name: 'Contract' }),
    );
    await call('POST', '/v1/keys', '/v1/keys', jsonRequest('POST', { email: 'nope', name: '' }));
  });

  it('for viewer links: images, pages, 304 and 404', async () => {
    const { key } = await runtime.newKey();
    const { id } = await json(await upload(runtime.url, { file: await jpeg(), key }));
    const image = await call('GET', `/${id}?w=10&format=webp`, '/{id}');
    await call('GET', `/${id}`, '/{id}', { headers: { accept: 'text/html' } });
    await call('GET', `/${id}`, '/{id}', { headers: { 'if-none-match': image.headers.get('etag') ?? '' } });
    await call('GET', '/AAAAAAAAAAAAAA', '/{id}');
    await call('GET', `/${id}.png?w=5`, '/{id}.{ext}');
    await call('GET', `/${id}?metadata=keep`, '/{id}');
  });

  it('documents Idempotency-Key, its replays and refusals on the routes that take it', () => {
    for (const path of ['/v1/upload', '/v1/import', '/v1/uploads']) {
      const operation = document.paths[path]?.post as Operation & {
        parameters?: { in: string; name: string }[];
      };
      expect(operation.parameters, path).toContainEqual(
        expect.objectContaining({ in: 'header', name: 'idempotency-key' }),
      );
      expect(operation.responses['201']?.headers, path).toHaveProperty('idempotent-replayed');
      expect(JSON.stringify(operation.responses['409']), path).toContain('idempotency_key_in_progress');
      expect(JSON.stringify(operation.responses['422']), path).toContain('idempotency_key_reused');
    }
  });

  it('exercised every operation of the document', () => {
    const all = Object.values(document.paths).flatMap((methods) =>
      Object.values(methods).map((operation) => operation.operationId),
    );
    expect([...exercised].sort()).toEqual([...all].sort());
  });
});
