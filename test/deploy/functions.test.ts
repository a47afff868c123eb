import { statSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECT_REQUEST_LIMIT_BYTES } from '#core/http/edge-contract';
import { jpeg } from '#test/fixtures';
import { authHeaders, json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';
import { darkAndLight, foregroundOpacity, modelSettings, storeModel } from './segmentation.ts';

/**
 * What only the shipped chain can show, beyond the end-to-end tests that run here too: every
 * function of the template starts and answers, the API's distribution answers before any function
 * does, the viewer streams past the buffered limit, the schedule runs the cleanup with its CDN
 * invalidation, and background removal loads its model from the bucket.
 */
let runtime: TestRuntime;
let key: string;

beforeAll(async () => {
  runtime = await startTestRuntime(({ bucketName }) => ({
    DELETED_RETENTION_DAYS: '0',
    ...modelSettings(bucketName),
  }));
  await storeModel(runtime);
  ({ key } = await runtime.newKey());
});
afterAll(() => runtime?.stop());

const backend = () => {
  if (!runtime.cloudAssembly) throw new Error('these tests run under npm run test:deploy');
  return runtime.cloudAssembly;
};

describe('the synthesized functions', () => {
  it('all start under the runtime interface client and answer in the API’s shape', async () => {
    const { assembly, service } = backend();
    for (const route of assembly.routes) {
      const path = route.path.replace(/\{[^}]+\}/g, 'AAAAAAAAAAAAAA');
      const response = await fetch(`${runtime.url}${path}`, { method: route.method });
      const document = DOCUMENT_ROUTES.has(route.path);
      expect({ route: `${route.method} ${route.path}`, status: response.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: document ? 200 : expect.toSatisfy((status: number) => status < 500),
      });
      // The documents answer themselves (JSON, HTML, script, text); every other route, without a key
      // or a body, one of the API's errors.
      if (!document)
        expect(await json(response)).toMatchObject({
          error: expect.any(String),
          request_id: expect.any(String),
        });
      else await response.arrayBuffer();
    }
    expect((await fetch(`${runtime.url}/AAAAAAAAAAAAAA`)).status).toBe(404);
    expect(await runtime.runCleanup()).toMatchObject({ failed: 0 });

    const started = new Set(service.coldStarts().map((start) => start.function));
    expect([...started].sort()).toEqual([...assembly.functions.values()].map((fn) => fn.name).sort());
    console.log(
      'cold starts (ms, x64):',
      Object.fromEntries(service.coldStarts().map((start) => [start.function, start.initMs])),
    );
  });

  it('leave a body over 4 MiB to the API’s distribution, which answers 413 and stores nothing', async () => {
    const response = await upload(runtime.url, { file: new Uint8Array(DIRECT_REQUEST_LIMIT_BYTES + 1), key });
    expect(response.status).toBe(413);
    expect(await json(response)).toMatchObject({
      error: 'payload_too_large',
      message: expect.stringContaining('POST /v1/uploads'),
    });
    expect(await runtime.mediaItems()).toEqual([]);
  });
});

/** The routes that answer a document to anyone: the OpenAPI document, the docs page and its script, llms.txt. */
const DOCUMENT_ROUTES: ReadonlySet<string> = new Set([
  '/openapi.json',
  '/docs',
  '/docs/scalar.js',
  '/llms.txt',
]);

/** The API's routes that touch no image bytes: their cold start is the bundle (bench/RESULTS.md). */
const LIGHT_ROUTES = ['/v1/media', '/v1/media/{id}', '/v1/media/batch', '/v1/usage', '/openapi.json'];

describe('the API functions that touch no image bytes', () => {
  it('ship bundles of at most 500 KB', () => {
    const { assembly } = backend();
    const light = assembly.routes.filter((route) => LIGHT_ROUTES.includes(route.path));
    expect(light).toHaveLength(8);
    const sizes = Object.fromEntries(
      light.map((route) => {
        const fn = assembly.functions.get(route.function);
        if (!fn) throw new Error(`no function for ${route.method} ${route.path}`);
        return [fn.name, statSync(join(fn.asset, 'index.mjs')).size];
      }),
    );
    expect(sizes).toEqual(
      Object.fromEntries(
        Object.keys(sizes).map((name) => [name, expect.toSatisfy((size: number) => size <= 500_000)]),
      ),
    );
  });

  it('answer zod’s own messages in English, which zod/mini does not load by itself', async () => {
    const response = await fetch(`${runtime.url}/v1/media/batch`, {
      method: 'DELETE',
      headers: { ...authHeaders(key), 'content-type': 'application/json' },
      body: JSON.stringify({ ids: ['x'.repeat(65)] }),
    });
    expect(response.status).toBe(422);
    expect(await json(response)).toMatchObject({
      errors: { 'ids.0': ['Too big: expected string to have <=64 characters'] },
    });
  });
});

describe('the viewer’s function URL', () => {
  it('streams an answer larger than a buffered Lambda response may be (6 MB)', async () => {
    const noise = await sharp({
      create: {
        width: 1800,
        height: 1800,
        channels: 3,
        background: 'grey',
        noise: { type: 'gaussian', sigma: 40 },
      },
    })
      .jpeg({ quality: 80 })
      .toBuffer();
    expect(noise.length).toBeLessThan(DIRECT_REQUEST_LIMIT_BYTES);
    const created = await json(await upload(runtime.url, { file: noise, key }));
    const response = await fetch(`${created.link}?format=png`);
    expect(response.status).toBe(200);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.length).toBeGreaterThan(6 * 1024 * 1024);
    expect(response.headers.get('content-length')).toBe(String(body.length));
    expect(await sharp(body).metadata()).toMatchObject({ format: 'png', width: 1800, height: 1800 });
  });

  it('removes the background with the model it loads from the bucket', async () => {
    const created = await json(await upload(runtime.url, { file: await darkAndLight(), key }));
    const opacity = await foregroundOpacity(String(created.link));
    expect(opacity.type).toBe('image/png');
    expect(opacity.dark).toBeLessThan(20);
    expect(opacity.light).toBeGreaterThan(235);
  });
});

describe('the cleanup schedule', () => {
  it('purges a deleted original and asks CloudFront to drop its variants', async () => {
    const created = await json(await upload(runtime.url, { file: await jpeg(), key }));
    const deleted = await fetch(`${runtime.url}/v1/media/${created.id}`, {
      method: 'DELETE',
      headers: authHeaders(key),
    });
    expect(deleted.status).toBe(204);
    const report = await runtime.runCleanup();
    expect(report).toMatchObject({ invalidated: 1, purged: 1, failed: 0 });
    await expect(
      runtime.s3.send(new HeadObjectCommand({ Bucket: runtime.bucketName, Key: `originals/${created.id}` })),
    ).rejects.toMatchObject({ name: 'NotFound' });
    const [distribution] = backend().standIns.invalidations.map((each) => each.distributionId);
    expect(distribution).toMatch(/^E[A-Z0-9]+$/);
    expect(backend().standIns.invalidations).toContainEqual({
      distributionId: distribution,
      paths: [`/${created.id}*`],
    });
  });
});
