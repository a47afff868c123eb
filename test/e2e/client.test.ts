import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '#core/http/openapi';
import { jpeg, png } from '#test/fixtures';
import { startTestRuntime, type TestRuntime } from '#test/runtime';
import { type RecordingServer, startRecordingServer } from '#test/servers';
import { Api, type Error as ApiError, type HttpResponse } from '../../clients/typescript/dist/api.js';

/**
 * The generated client (clients/typescript) against the local runtime: every route of the document
 * through it, typed by it alone (this file has no casts), error answers as the document's Error.
 * The last test checks that every operation the document lists was called here.
 */
let runtime: TestRuntime;
let origin: RecordingServer;
let photo: Buffer;

/** `METHOD /path/{param}` of each request the client sent, matched against the document's paths. */
const requested = new Set<string>();
const operations = Object.entries(openApiDocument().paths ?? {}).flatMap(([path, item]) =>
  ['get', 'post', 'patch', 'delete']
    .filter((method) => item !== undefined && method in item)
    .map((method) => ({
      name: `${method.toUpperCase()} ${path}`,
      // `{name}` stands for one segment (and `{id}.{ext}` for a dotted one).
      pattern: new RegExp(`^${path.replace(/\./g, '\\.').replace(/\{\w+\}/g, '[^/.]+')}$`),
      params: (path.match(/\{/g) ?? []).length,
    })),
);
const recordingFetch: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const method = (init?.method ?? 'GET').toUpperCase();
  // The most specific path wins, as API Gateway routes (`/v1/media/batch` before `/v1/media/{id}`).
  const [match] = operations
    .filter((operation) => operation.name.startsWith(`${method} `) && operation.pattern.test(url.pathname))
    .sort((a, b) => a.params - b.params);
  if (match) requested.add(match.name);
  return fetch(input, init);
};

/** A client as a caller builds one: the key (if any) goes in the Authorization header. */
const client = (key?: string) => {
  const api = new Api<string>({
    baseUrl: runtime.url,
    customFetch: recordingFetch,
    securityWorker: (secret) => (secret ? { headers: { authorization: `Bearer ${secret}` } } : {}),
  });
  if (key) api.setSecurityData(key);
  return api;
};

/** The body of a success; a failure shows its typed error. */
const ok = <Data>(response: HttpResponse<Data, ApiError>): Data => {
  expect(response.error, `${response.status}: ${JSON.stringify(response.error)}`).toBeNull();
  return response.data;
};

const file = (bytes: Uint8Array, name: string) =>
  new File([bytes], name, { type: 'application/octet-stream' });

beforeAll(async () => {
  photo = await jpeg(48, 32);
  origin = await startRecordingServer((request, response) => {
    if (request.url === '/photo.jpg') response.writeHead(200, { 'content-type': 'image/jpeg' }).end(photo);
    else response.writeHead(404).end();
  });
  runtime = await startTestRuntime({ IMPORT_ALLOW_PRIVATE_NETWORKS: 'true', IMPORT_ALLOWED_PORTS: '*' });
});
afterAll(async () => {
  await runtime?.stop();
  await origin?.close();
});

describe('the generated TypeScript client', () => {
  it('uploads (multipart), imports and completes a direct upload, with attribution metadata', async () => {
    const { key } = await runtime.newKey();
    const api = client(key);

    const uploaded = ok(
      await api.v1.uploadMedia(
        // A field left undefined is not sent (not as the text "undefined").
        {
          file: file(await png(40, 30), 'a.png'),
          caption: 'first',
          public: 'true',
          ttl: undefined,
          author: 'Jane',
        },
        { headers: { 'idempotency-key': 'client-test-upload-1' } },
      ),
    );
    expect(uploaded).toMatchObject({ caption: 'first', extension: 'png', width: 40, height: 30 });
    expect(uploaded.author).toBe('Jane');
    expect(uploaded.expires_at).toBeUndefined();

    const imported = ok(
      await api.v1.importMedia({ url: `${origin.url}/photo.jpg`, ttl: 3600, external_id: 'imp-1' }),
    );
    expect(imported).toMatchObject({ extension: 'jpeg', width: 48, height: 32, external_id: 'imp-1' });
    expect(imported.expires_at).toBeGreaterThan(imported.created_at);

    const large = await jpeg(64, 64);
    const started = await api.v1.createDirectUpload({ size: large.length, caption: 'direct' });
    const { upload, upload_id } = ok(started);
    expect(started.status).toBe(201);
    expect(started.headers.get('x-monthly-uploads-used')).toBe('3');
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields))
      if (value !== undefined) form.append(name, value);
    form.append('file', new Blob([large]), 'large.jpg');
    expect((await fetch(upload.url, { method: upload.method, body: form })).status).toBeLessThan(300);
    const completed = ok(await api.v1.completeDirectUpload({ uploadId: upload_id }));
    expect(completed).toMatchObject({ caption: 'direct', filesize: large.length });

    // The same Idempotency-Key and request: the first answer again, not a second upload.
    const again = await api.v1.uploadMedia(
      { file: file(await png(40, 30), 'a.png'), caption: 'first', public: 'true', author: 'Jane' },
      { headers: { 'idempotency-key': 'client-test-upload-1' } },
    );
    expect(ok(again).id).toBe(uploaded.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const usage = ok(await api.v1.getUsage());
    expect(usage.monthly.uploads).toBe(3);
    expect(usage.totals.media_stored).toBe(3);
    expect(usage.totals.storage_used_bytes).toBe(uploaded.filesize + imported.filesize + large.length);
  });

  it('lists with a cursor, gets, patches, batch-patches and deletes', async () => {
    const { key } = await runtime.newKey();
    const api = client(key);
    const ids: string[] = [];
    for (const caption of ['one', 'two', 'three'])
      ids.push(ok(await api.v1.uploadMedia({ file: file(await png(8, 8), 'x.png'), caption })).id);

    const first = ok(await api.v1.listMedia({ limit: '2' }));
    expect(first.has_more).toBe(true);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = ok(await api.v1.listMedia({ limit: '2', cursor: first.next_cursor ?? undefined }));
    expect(second).toMatchObject({ has_more: false, next_cursor: null });
    expect([...first.data, ...second.data].map((media) => media.caption)).toEqual(['three', 'two', 'one']);
    const byIds = ok(await api.v1.listMedia({ ids: ids.slice(0, 2).join(',') }));
    expect(byIds.data.map((media) => media.id).sort()).toEqual(ids.slice(0, 2).sort());

    const [one = '', two = '', three = ''] = ids;
    expect(ok(await api.v1.getMedia({ id: one })).caption).toBe('one');
    const patched = ok(
      await api.v1.updateMedia({ id: one }, { caption: 'renamed', public: false, source: 'camera' }),
    );
    expect(patched).toMatchObject({ caption: 'renamed', source: 'camera' });
    const removed = ok(await api.v1.updateMedia({ id: one }, { source: null }));
    expect(removed.source).toBeUndefined();

    const batch = ok(await api.v1.updateMediaBatch({ ids: [two, three, 'missing'], caption: 'same' }));
    expect(batch.updated).toBe(2);
    expect(batch.not_found).toEqual(['missing']);
    expect(batch.media.map((media) => media.caption)).toEqual(['same', 'same']);

    const deleted = await api.v1.deleteMedia({ id: one });
    expect(deleted.status).toBe(204);
    const gone = ok(await api.v1.deleteMediaBatch({ ids: [two, three, one] }));
    expect(gone).toEqual({ deleted: 2, not_found: [one] });
    expect(ok(await api.v1.listMedia()).data).toEqual([]);
  });

  it('answers errors as the typed Error: code, message, field errors', async () => {
    const { key } = await runtime.newKey();
    const api = client(key);
    const missing = await api.v1.getMedia({ id: 'nosuchmedia123' });
    expect(missing.status).toBe(404);
    expect(missing.error.error).toBe('not_found');
    expect(missing.error.request_id).toEqual(expect.any(String));

    const invalid = await api.v1.updateMediaBatch({ ids: [], caption: 'x'.repeat(5000) });
    expect(invalid.status).toBe(422);
    expect(invalid.error.error).toBe('validation_error');
    expect(Object.keys(invalid.error.errors ?? {}).sort()).toEqual(['caption', 'ids']);

    const anonymous = await client().v1.getUsage();
    expect(anonymous.status).toBe(401);
    expect(anonymous.error.message).toEqual(expect.any(String));
  });

  it('reads the document and viewer links', async () => {
    const api = client();
    const document = ok(await api.openapiJson.getOpenApi());
    expect(document.openapi).toBe('3.1.0');

    // Anonymous, as the docs page's try-it does.
    const media = ok(await api.v1.uploadMedia({ file: file(await jpeg(30, 20), 'p.jpg') }));
    expect(media.upgrade?.type).toBe('register');
    const id = media.id;
    const resized = await api.id.viewMedia(
      { id, w: '15', format: 'png' },
      { headers: { accept: 'image/*' } },
    );
    expect(resized.headers.get('content-type')).toBe('image/png');
    expect(resized.data.size).toBeGreaterThan(0);
    const webp = await api.idExt.viewMediaAs({ id, ext: 'webp' });
    expect(webp.headers.get('content-type')).toBe('image/webp');
  });

  it('registers for a key (self-service) and works with it', async () => {
    const created = ok(await client().v1.createKey({ email: 'client@example.com', name: 'Client test' }));
    expect(created).toMatchObject({ plan: 'free', email: 'client@example.com', name: 'Client test' });
    const usage = ok(await client(created.key).v1.getUsage());
    expect(usage.plan).toBe('free');
  });

  it('called every operation in the document', () => {
    expect([...requested].sort()).toEqual(operations.map((operation) => operation.name).sort());
  });
});
