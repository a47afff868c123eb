import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jpeg, tinyHeic } from '#test/fixtures';
import { authHeaders, json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';
import { type RecordingServer, startRecordingServer } from '#test/servers';
import { darkAndLight, foregroundOpacity, modelSettings, storeModel } from './segmentation.ts';
import { missing } from './tools.ts';

/**
 * The assets that ship native packages (sharp, heic-decode, ONNX Runtime), on what Lambda runs them:
 * linux/arm64 and Node 24, emulated by qemu, with nothing but each asset's own node_modules. Slow
 * (seconds per call), so a handful of calls: one for each of those assets, and each native path.
 */
const problem = inject('arm64Problem');

describe.skipIf(problem !== undefined)(`on linux/arm64${problem ? missing(problem) : ''}`, () => {
  let runtime: TestRuntime;
  let origin: RecordingServer;
  let key: string;

  beforeAll(async () => {
    origin = await startRecordingServer(async (_request, response) => {
      response.writeHead(200, { 'content-type': 'image/jpeg' });
      response.end(await jpeg(40, 30));
    });
    runtime = await startTestRuntime(
      ({ bucketName }) => ({
        IMPORT_ALLOW_PRIVATE_NETWORKS: 'true',
        IMPORT_ALLOWED_PORTS: '*',
        ...modelSettings(bucketName),
      }),
      { architecture: 'arm64' },
    );
    await storeModel(runtime);
    ({ key } = await runtime.newKey());
  });
  afterAll(async () => {
    await runtime?.stop();
    await origin?.close();
  });

  it('ingests a HEIC upload (sharp and heic-decode)', async () => {
    const response = await upload(runtime.url, { file: await tinyHeic(), key });
    expect(response.status).toBe(201);
    expect(await json(response)).toMatchObject({ extension: 'jpg', width: 64, height: 48 });
  });

  it('transforms to WebP and AVIF, and removes a background with ONNX Runtime', async () => {
    const created = await json(await upload(runtime.url, { file: await darkAndLight(), key }));
    for (const format of ['webp', 'avif'] as const) {
      const response = await fetch(`${created.link}?format=${format}&w=32`);
      expect(response.headers.get('content-type')).toBe(`image/${format}`);
      const info = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      expect({ format: info.format, width: info.width }).toEqual({
        format: format === 'avif' ? 'heif' : format,
        width: 32,
      });
    }
    const opacity = await foregroundOpacity(String(created.link));
    expect(opacity.dark).toBeLessThan(20);
    expect(opacity.light).toBeGreaterThan(235);
  });

  it('imports from a URL and completes a direct upload', async () => {
    const imported = await fetch(`${runtime.url}/v1/import`, {
      method: 'POST',
      headers: { ...authHeaders(key), 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${origin.url}/photo.jpg` }),
    });
    expect(imported.status).toBe(201);
    expect(await json(imported)).toMatchObject({ width: 40, height: 30 });

    const file = await jpeg(24, 16);
    const created = await fetch(`${runtime.url}/v1/uploads`, {
      method: 'POST',
      headers: { ...authHeaders(key), 'content-type': 'application/json' },
      body: JSON.stringify({ size: file.length }),
    });
    expect(created.status).toBe(201);
    const intent = (await json(created)) as {
      upload_id: string;
      upload: { url: string; fields: Record<string, string> };
    };
    const form = new FormData();
    for (const [name, value] of Object.entries(intent.upload.fields)) form.append(name, value);
    form.append('file', new Blob([file]));
    expect((await fetch(intent.upload.url, { method: 'POST', body: form })).status).toBeLessThan(300);
    const completed = await fetch(`${runtime.url}/v1/uploads/${intent.upload_id}/complete`, {
      method: 'POST',
      headers: authHeaders(key),
    });
    expect(completed.status).toBe(201);
    expect(await json(completed)).toMatchObject({ width: 24, height: 16 });
  });

  it('ran them from the assets alone: linux-arm64 binaries, none of the host’s', async () => {
    const roots = join(tmpdir(), 'imgpro-lambda-tasks');
    const arm64 = (await readdir(roots)).filter((name) => name.endsWith('-arm64'));
    expect(arm64.length).toBeGreaterThanOrEqual(5);
    for (const root of arm64) {
      const platforms = await readdir(join(roots, root, 'node_modules', '@img')).catch(() => []);
      expect(platforms.filter((name) => name.includes('x64'))).toEqual([]);
    }
    const coldStarts = runtime.cloudAssembly?.service.coldStarts() ?? [];
    console.log(
      'cold starts (ms, arm64 under qemu):',
      Object.fromEntries(coldStarts.map((each) => [each.function, each.initMs])),
    );
    expect(new Set(coldStarts.map((each) => each.function))).toEqual(
      new Set([
        'UploadFunction',
        'ViewerFunction',
        'ImportFunction',
        'CreateDirectUploadFunction',
        'CompleteDirectUploadFunction',
      ]),
    );
  });
});
