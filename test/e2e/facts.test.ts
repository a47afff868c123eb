import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '#core/store/keys';
import { animation, framedPng, jpeg, RED } from '#test/fixtures';
import {
  authHeaders,
  completeDirectUpload,
  json,
  sendToStorage,
  startDirectUpload,
  upload,
} from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';
import { type RecordingServer, startRecordingServer } from '#test/servers';

/**
 * Placeholders and image facts over HTTP: computed by every way of storing an image, shown on
 * every media object, and backfilled for media stored before they existed.
 */
let runtime: TestRuntime;
let origin: RecordingServer;
let key: string;
const root = new URL('../..', import.meta.url).pathname;

beforeAll(async () => {
  const served = await framedPng(120, 60);
  origin = await startRecordingServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'image/png' }).end(served);
  });
  runtime = await startTestRuntime({ IMPORT_ALLOW_PRIVATE_NETWORKS: 'true', IMPORT_ALLOWED_PORTS: '*' });
  ({ key } = await runtime.newKey());
});
afterAll(async () => {
  await runtime?.stop();
  await origin?.close();
});

const FACT_FIELDS = ['placeholder', 'has_alpha', 'animated', 'frames', 'color_space'];
const get = async (id: unknown) =>
  json(await fetch(`${runtime.url}/v1/media/${id}`, { headers: authHeaders(key) }));
const listed = async (id: unknown) => {
  const body = (await json(
    await fetch(`${runtime.url}/v1/media?limit=100`, { headers: authHeaders(key) }),
  )) as {
    data: Record<string, unknown>[];
  };
  return body.data.find((item) => item.id === id);
};
const factsIn = (body: Record<string, unknown>) =>
  Object.fromEntries(FACT_FIELDS.filter((name) => name in body).map((name) => [name, body[name]]));

describe('image facts on media objects', () => {
  it('come with an upload, the same on GET and in the listing', async () => {
    const response = await upload(runtime.url, { file: await jpeg(64, 48), key });
    const body = await json(response);
    expect(response.status).toBe(201);
    expect(body).toMatchObject({
      placeholder: {
        thumbhash: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
        blurhash: expect.any(String),
        // The fixture's colour, rgb(200, 80, 40), through JPEG.
        dominant_color: expect.stringMatching(/^#c[6-a]5[0-2]2[6-a]$/),
        average_color: expect.stringMatching(/^#[0-9a-f]{6}$/),
      },
      has_alpha: false,
      animated: false,
      frames: 1,
      color_space: 'srgb',
    });
    expect(factsIn(await get(body.id))).toEqual(factsIn(body));
    expect(factsIn((await listed(body.id)) ?? {})).toEqual(factsIn(body));
  });

  it('describe an animation and transparency', async () => {
    const gif = await json(await upload(runtime.url, { file: await animation('gif', 30, 20, 4), key }));
    expect(gif).toMatchObject({ animated: true, frames: 4 });
    const framed = await json(await upload(runtime.url, { file: await framedPng(80, 40), key }));
    expect(framed).toMatchObject({ has_alpha: true, placeholder: { dominant_color: '#dc1e1e' } });
  });

  it('come with an import and a completed direct upload', async () => {
    const imported = await json(
      await fetch(`${runtime.url}/v1/import`, {
        method: 'POST',
        headers: { ...authHeaders(key), 'content-type': 'application/json' },
        body: JSON.stringify({ url: `${origin.url}/framed.png` }),
      }),
    );
    expect(imported).toMatchObject({
      has_alpha: true,
      frames: 1,
      placeholder: { dominant_color: '#dc1e1e' },
    });

    const file = await sharp({ create: { width: 90, height: 60, channels: 3, background: RED } })
      .jpeg()
      .toBuffer();
    const started = (await json(await startDirectUpload(runtime.url, { size: file.length }, key))) as {
      upload_id: string;
      upload: { url: string; fields: Record<string, string> };
    };
    expect((await sendToStorage(started.upload, file)).status).toBeLessThan(300);
    const completed = await json(await completeDirectUpload(runtime.url, started.upload_id, key));
    expect(completed).toMatchObject({
      has_alpha: false,
      animated: false,
      placeholder: { thumbhash: expect.any(String) },
    });
  });

  it('are backfilled for media stored before they existed: by the cleanup schedule and by the admin command', async () => {
    const ids: string[] = [];
    const computed = new Map<string, Record<string, unknown>>();
    for (const size of [20, 30, 40]) {
      const body = await json(await upload(runtime.url, { file: await framedPng(size * 2, size), key }));
      ids.push(String(body.id));
      computed.set(String(body.id), factsIn(body));
    }
    /** As an item written before this release looks. */
    const forget = (id: string) =>
      runtime.db.send(
        new UpdateCommand({
          TableName: runtime.tableName,
          Key: keys.media(id),
          UpdateExpression: 'REMOVE facts',
        }),
      );

    for (const id of ids) await forget(id);
    for (const id of ids) expect(factsIn(await get(id))).toEqual({});
    const report = await runtime.runCleanup();
    expect(report).toMatchObject({ backfilled: 3, failed: 0 });
    for (const id of ids) expect(factsIn(await get(id))).toEqual(computed.get(id));

    for (const id of ids) await forget(id);
    const { stdout, stderr } = await promisify(execFile)(
      join(root, 'node_modules/.bin/tsx'),
      ['bin/admin.ts', 'backfill', 'facts', '--batch', '2'],
      { cwd: root, env: adminEnv(runtime.dataDir) },
    );
    expect(JSON.parse(stdout)).toMatchObject({ filled: 3, failed: 0 });
    expect(stderr).toMatch(/checked \d+ originals, filled \d+, failed 0/);
    for (const id of ids) expect(factsIn(await get(id))).toEqual(computed.get(id));
  });
});

describe('format=json on a viewer link', () => {
  it('describes the original and the variant the rest of the query serves, to the byte', async () => {
    const uploaded = await json(await upload(runtime.url, { file: await framedPng(120, 60), key }));
    const link = `${runtime.url}/${uploaded.id}`;
    // `format` is the one parameter it cannot be combined with: format=json takes its place, so the
    // variant described is in the stored format.
    for (const query of ['', 'w=40', 'w=40&h=40&fit=cover', 'rotate=90&blur=2']) {
      const described = await fetch(`${link}?${query}${query ? '&' : ''}format=json`, {
        // A browser asking: still JSON, never the page.
        headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      });
      expect(described.status).toBe(200);
      expect(described.headers.get('content-type')).toMatch(/^application\/json/);
      expect(described.headers.get('access-control-allow-origin')).toBe('*');
      const served = await fetch(`${link}${query ? `?${query}` : ''}`, { headers: { accept: 'image/*' } });
      const bytes = Buffer.from(await served.arrayBuffer());
      const metadata = await sharp(bytes).metadata();
      expect(await described.json()).toEqual({
        id: uploaded.id,
        original: {
          format: 'png',
          content_type: 'image/png',
          width: 120,
          height: 120,
          bytes: uploaded.filesize,
          ...factsIn(uploaded),
        },
        variant: {
          format: 'png',
          content_type: served.headers.get('content-type'),
          width: metadata.width,
          height: metadata.height,
          bytes: bytes.length,
        },
      });
      expect(described.headers.get('cache-control')).toBe(served.headers.get('cache-control'));
    }
  });

  it('answers what the image link answers when there is nothing to describe', async () => {
    expect((await fetch(`${runtime.url}/AAAAAAAAAAAAAA?format=json`)).status).toBe(404);
    const uploaded = await json(await upload(runtime.url, { file: await jpeg(40, 30), key }));
    const face = await fetch(`${runtime.url}/${uploaded.id}?w=20&h=20&fit=cover&gravity=face&format=json`);
    expect(face.status).toBe(422);
    expect(await face.json()).toMatchObject({ error: 'validation_error' });
  });
});

describe('the viewer page', () => {
  const page = async (id: unknown, query = '') => {
    const response = await fetch(`${runtime.url}/${id}${query}`, { headers: { accept: 'text/html' } });
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    return /<img [^>]*?(?: style="([^"]*)")?>/.exec(html)?.[1];
  };

  it('paints the placeholder in the image box while the image loads', async () => {
    const file = await sharp({ create: { width: 90, height: 60, channels: 3, background: RED } })
      .jpeg()
      .toBuffer();
    const uploaded = await json(await upload(runtime.url, { file, key }));
    const placeholder = uploaded.placeholder as { average_color: string };
    const style = await page(uploaded.id);
    const painted =
      /^background:(#[0-9a-f]{6}) url\(data:image\/png;base64,([A-Za-z0-9+/=]+)\) center\/100% 100% no-repeat$/.exec(
        style ?? '',
      );
    expect(painted?.[1]).toBe(placeholder.average_color);
    // The picture is the ThumbHash of this red image: red.
    const { dominant } = await sharp(Buffer.from(painted?.[2] ?? '', 'base64')).stats();
    expect(dominant.r).toBeGreaterThan(180);
    expect(dominant.g).toBeLessThan(80);

    // Cropped to another shape, the picture would not match: the colour alone.
    expect(await page(uploaded.id, '?w=20&h=60&fit=cover')).toBe(`background:${placeholder.average_color}`);
  });

  it('paints only the colour behind a transparent image, which would show a picture through itself', async () => {
    const uploaded = await json(await upload(runtime.url, { file: await framedPng(80, 40), key }));
    expect(await page(uploaded.id)).toBe(
      `background:${(uploaded.placeholder as { average_color: string }).average_color}`,
    );
  });
});

/** The admin command finds this test's runtime through its data directory, nothing else. */
const adminEnv = (dataDir: string) => {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
  for (const name of ['TABLE_NAME', 'BUCKET_NAME', 'DYNAMODB_ENDPOINT', 'S3_ENDPOINT']) delete env[name];
  return env;
};
