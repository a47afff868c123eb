import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jpeg } from '#test/fixtures';
import {
  authHeaders,
  completeDirectUpload,
  json,
  type StartedDirectUpload,
  sendToStorage,
  startDirectUpload,
  upload,
} from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';
import { type RecordingServer, startRecordingServer } from '#test/servers';
import { ROUTES, type TableAction } from '../../lambdas/http/routes.ts';
import { CLEANUP_ACCESS, VIEWER_ACCESS } from '../../lib/stateless-stack.ts';

/**
 * The table actions each function really performs, watched on the wire. DynamoDB Local enforces no
 * IAM, so a route declaring too little in `ROUTES` would pass every other e2e test and fail on AWS.
 * Here a proxy in front of DynamoDB Local reads each request's operation (a transaction, item by
 * item, as IAM authorises it) and credits it to the route being called; every route is driven
 * through its success paths and the refusals that touch the table. Each function must have
 * performed exactly what it declares: nothing undeclared (AccessDenied on AWS), nothing declared
 * that it never did (a grant for nothing).
 */

/** IAM actions of one DynamoDB API request. */
const iamActions = (operation: string, body: Record<string, unknown>): TableAction[] => {
  if (operation === 'TransactWriteItems') {
    const items = (body.TransactItems ?? []) as Record<string, unknown>[];
    const byKind: Record<string, TableAction> = {
      Put: 'PutItem',
      Update: 'UpdateItem',
      Delete: 'DeleteItem',
      ConditionCheck: 'ConditionCheckItem',
    };
    return items.flatMap((item) => Object.keys(item).map((kind) => byKind[kind] ?? (kind as TableAction)));
  }
  if (operation === 'TransactGetItems') return ['GetItem'];
  return [operation as TableAction];
};

/** Everything each named caller did to the table. */
const observed = new Map<string, Set<string>>();
let current: string | undefined;

const startProxy = async (target: string): Promise<{ url: string; server: Server }> => {
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(incoming.headers['x-amz-target'] ?? '').split('.')[1];
      if (current && operation) {
        const seen = observed.get(current) ?? new Set<string>();
        for (const action of iamActions(operation, JSON.parse(body.toString('utf8') || '{}')))
          seen.add(action);
        observed.set(current, seen);
      }
      const proxied = forward(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 500, response.headers);
          response.pipe(outgoing);
        },
      );
      proxied.on('error', () => outgoing.destroy());
      proxied.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
};

/** Runs `work` as the function named `name`: the table requests meanwhile are its own. */
const as = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
  current = name;
  try {
    return await work();
  } finally {
    current = undefined;
  }
};

let proxy: { url: string; server: Server };
let runtime: TestRuntime;
let origin: RecordingServer;
let photo: Buffer;

beforeAll(async () => {
  photo = await jpeg(48, 32);
  origin = await startRecordingServer((request, response) => {
    if (request.url === '/text') response.writeHead(200, { 'content-type': 'text/plain' }).end('no image');
    else response.writeHead(200, { 'content-type': 'image/jpeg' }).end(photo);
  });
  proxy = await startProxy(inject('dynamoDbEndpoint'));
  runtime = await startTestRuntime(
    // A budget of one variant, so a second one is refused and the refusal's look back is seen.
    { IMPORT_ALLOW_PRIVATE_NETWORKS: 'true', IMPORT_ALLOWED_PORTS: '*', VIEWER_VARIANT_BUDGET: '1' },
    { dynamoDbEndpoint: proxy.url },
  );
});
afterAll(async () => {
  await runtime?.stop();
  await origin?.close();
  await new Promise((resolve) => proxy?.server.close(resolve));
});

const routeName = (method: string, path: string) => {
  const route = ROUTES.find((each) => each.method === method && each.path === path);
  if (!route) throw new Error(`${method} ${path} is not in ROUTES`);
  return `${route.method} ${route.path}`;
};
const call = (method: string, path: string, key?: string, body?: unknown, headers = {}) =>
  fetch(`${runtime.url}${path}`, {
    method,
    headers: {
      ...authHeaders(key),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

describe('table actions, watched on the wire', () => {
  it('are exactly what each function declares', async () => {
    const { key } = await runtime.newKey();
    const ids: string[] = [];

    // POST /v1/upload: by key (with an external id, then the same id again), anonymously, with an
    // Idempotency-Key and its replay.
    await as(routeName('POST', '/v1/upload'), async () => {
      for (const fields of [
        { external_id: 'ext-1' },
        { external_id: 'ext-1' },
        { external_id: 'ext-2' },
        { external_id: 'ext-3' },
        {},
      ] as Record<string, string>[]) {
        const response = await upload(runtime.url, { file: photo, key, fields });
        if (response.status === 201) ids.push(String((await json(response)).id));
      }
      expect((await upload(runtime.url, { file: photo })).status).toBe(201);
      for (let attempt = 0; attempt < 2; attempt++) {
        const response = await upload(runtime.url, {
          file: photo,
          key,
          headers: { 'idempotency-key': 'upload-once' },
        });
        expect(response.status).toBe(201);
        if (attempt === 0) ids.push(String((await json(response)).id));
      }
      // A refusal releases the key's record (Powertools deletes it, so a corrected retry runs).
      const refused = await upload(runtime.url, {
        file: new TextEncoder().encode('not an image'),
        key,
        headers: { 'idempotency-key': 'upload-refused' },
      });
      expect(refused.status).toBe(422);
    });

    await as(routeName('POST', '/v1/import'), async () => {
      for (const idempotency of [{}, { 'idempotency-key': 'import-once' }]) {
        const response = await call(
          'POST',
          '/v1/import',
          key,
          { url: `${origin.url}/photo.jpg` },
          idempotency,
        );
        expect(response.status).toBe(201);
        ids.push(String((await json(response)).id));
      }
      const anonymous = await call('POST', '/v1/import', undefined, { url: `${origin.url}/photo.jpg` });
      expect(anonymous.status).toBe(201);
      const refused = await call(
        'POST',
        '/v1/import',
        key,
        { url: `${origin.url}/text` },
        { 'idempotency-key': 'import-refused' },
      );
      expect(refused.status).toBe(422);
    });

    const [started, startedAnonymously] = await as(routeName('POST', '/v1/uploads'), async () => {
      const response = await startDirectUpload(runtime.url, { size: photo.length }, key);
      expect(response.status).toBe(201);
      const again = await call(
        'POST',
        '/v1/uploads',
        key,
        { size: photo.length },
        { 'idempotency-key': 'direct-once' },
      );
      expect(again.status).toBe(201);
      const anonymous = await startDirectUpload(runtime.url, { size: photo.length });
      expect(anonymous.status).toBe(201);
      const refused = await call(
        'POST',
        '/v1/uploads',
        key,
        { size: photo.length, ttl: 'forever-ish' },
        { 'idempotency-key': 'direct-refused' },
      );
      expect(refused.status).toBe(422);
      return [
        (await response.json()) as StartedDirectUpload,
        (await anonymous.json()) as StartedDirectUpload,
      ] as const;
    });
    for (const each of [started, startedAnonymously])
      expect((await sendToStorage(each.upload, photo)).status).toBeLessThan(300);
    await as(routeName('POST', '/v1/uploads/{upload_id}/complete'), async () => {
      const response = await completeDirectUpload(runtime.url, started.upload_id, key);
      expect(response.status).toBe(201);
      ids.push(String((await json(response)).id));
      expect((await completeDirectUpload(runtime.url, started.upload_id, key)).status).toBe(404);
      expect((await completeDirectUpload(runtime.url, startedAnonymously.upload_id)).status).toBe(201);
    });

    await as(routeName('GET', '/v1/media'), async () => {
      expect((await call('GET', '/v1/media', key)).status).toBe(200);
      expect((await call('GET', `/v1/media?ids=${ids.join(',')}`, key)).status).toBe(200);
    });
    await as(routeName('GET', '/v1/media/{id}'), async () => {
      expect((await call('GET', `/v1/media/${ids[0]}`, key)).status).toBe(200);
    });
    await as(routeName('PATCH', '/v1/media/{id}'), async () => {
      expect((await call('PATCH', `/v1/media/${ids[0]}`, key, { caption: 'one' })).status).toBe(200);
    });
    await as(routeName('PATCH', '/v1/media/batch'), async () => {
      const response = await call('PATCH', '/v1/media/batch', key, { ids, caption: 'all', ttl: '1d' });
      expect(response.status).toBe(200);
    });
    // Kept (no ttl), so the cleanup job's sweep finds its original among the old ones and reads its record.
    await upload(runtime.url, { file: photo, key });
    const link = String((await json(await call('GET', `/v1/media/${ids[1]}`, key))).link);
    await as('viewer', async () => {
      expect((await fetch(link)).status).toBe(200);
      expect((await fetch(`${link}?w=20`)).status).toBe(200);
      expect((await fetch(`${link}?w=21`)).status).toBe(429);
    });
    await as(routeName('DELETE', '/v1/media/{id}'), async () => {
      expect((await call('DELETE', `/v1/media/${ids[0]}`, key)).status).toBe(204);
    });
    await as(routeName('DELETE', '/v1/media/batch'), async () => {
      expect((await call('DELETE', '/v1/media/batch', key, { ids: [ids[1], ids[3]] })).status).toBe(200);
    });
    await as(routeName('POST', '/v1/keys'), async () => {
      const made = await call('POST', '/v1/keys', undefined, { email: 'table@example.com', name: 'Actions' });
      expect(made.status).toBe(201);
    });
    await as(routeName('GET', '/v1/usage'), async () => {
      expect((await call('GET', '/v1/usage', key)).status).toBe(200);
    });
    await as(routeName('GET', '/openapi.json'), async () => {
      expect((await call('GET', '/openapi.json')).status).toBe(200);
    });

    // The cleanup job: media past their ttl expire (the batch PATCH gave the rest a day), the
    // deleted are invalidated, and once their retention is over, purged; the sweeps run throughout.
    runtime.clock.advance(40 * 86_400);
    await as('cleanup', async () => {
      for (let run = 0; run < 3; run++) await runtime.runCleanup();
    });

    const declared: Array<[string, readonly TableAction[] | undefined]> = [
      ...ROUTES.map((route): [string, readonly TableAction[] | undefined] => [
        `${route.method} ${route.path}`,
        route.access.table,
      ]),
      // With the variant budget's one write (bindVariantBudget).
      ['viewer', [...(VIEWER_ACCESS.table ?? []), 'UpdateItem']],
      ['cleanup', CLEANUP_ACCESS.table],
    ];
    const actual = Object.fromEntries(
      declared.map(([name]) => [name, [...(observed.get(name) ?? [])].sort()]),
    );
    const expected = Object.fromEntries(
      declared.map(([name, actions]) => [name, [...(actions ?? [])].sort()]),
    );
    expect(actual).toEqual(expected);
  });
});
