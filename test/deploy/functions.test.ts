import { createHash } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECT_REQUEST_LIMIT_BYTES } from '#core/http/edge-contract';
import { jpeg } from '#test/fixtures';
import { authHeaders, json, upload } from '#test/http';
import { tinySegmentationModel } from '#test/onnx-model';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/**
 * What only the shipped chain can show, beyond the end-to-end tests that run here too: every
 * function of the template starts and answers, the API's distribution answers before any function
 * does, the viewer streams past the buffered limit, the schedule runs the cleanup with its CDN
 * invalidation, and background removal loads its model from the bucket.
 */
const MODEL_KEY = 'models/tiny.onnx';
/** A 16×16 model whose mask is bright where the image is bright (see onnx-model.ts). */
const MODEL = tinySegmentationModel({ height: 16, width: 16, weights: [4, 4, 4], bias: 0 });

let runtime: TestRuntime;
let key: string;

beforeAll(async () => {
  runtime = await startTestRuntime(({ bucketName }) => ({
    DELETED_RETENTION_DAYS: '0',
    SEGMENT_MODEL_S3_URI: `s3://${bucketName}/${MODEL_KEY}`,
    SEGMENT_MODEL_PROFILE: 'u2net',
    SEGMENT_MODEL_SHA256: createHash('sha256').update(MODEL).digest('hex'),
  }));
  await runtime.s3.send(new PutObjectCommand({ Bucket: runtime.bucketName, Key: MODEL_KEY, Body: MODEL }));
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
      expect({ route: `${route.method} ${route.path}`, status: response.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: route.path === '/openapi.json' ? 200 : expect.toSatisfy((status: number) => status < 500),
      });
      const body = await json(response);
      if (route.path !== '/openapi.json')
        expect(body).toMatchObject({ error: expect.any(String), request_id: expect.any(String) });
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
    // Left half dark, right half light: the model keeps the light half.
    const halves = await sharp({
      create: { width: 64, height: 32, channels: 3, background: { r: 20, g: 20, b: 20 } },
    })
      .composite([
        { input: { create: { width: 32, height: 32, channels: 3, background: 'white' } }, left: 32, top: 0 },
      ])
      .png()
      .toBuffer();
    const created = await json(await upload(runtime.url, { file: halves, key }));
    const response = await fetch(`${created.link}?segment=foreground`, { headers: { accept: 'image/*' } });
    expect(response.headers.get('content-type')).toBe('image/png');
    const { data, info } = await sharp(Buffer.from(await response.arrayBuffer()))
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const alphaAt = (x: number, y: number) => data[(y * info.width + x) * 4 + 3];
    expect(alphaAt(8, 16)).toBeLessThan(20);
    expect(alphaAt(56, 16)).toBeGreaterThan(235);
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
