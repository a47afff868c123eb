import { describe, expect, it, vi } from 'vitest';
import { notFound as notFoundError } from '#core/errors';
import { newMediaId } from '#core/ids';
import { IMAGE_LIMITS } from '#core/images/limits';
import { classicalSegmenter } from '#core/images/segment/classical';
import { sharp } from '#core/images/sharp';
import type { Media } from '#core/media/media';
import { originalKey } from '#core/store/object-store';
import { jpeg } from '#test/fixtures';
import { createViewer, type ViewerRequest } from '../../lambdas/viewer/viewer.ts';

/**
 * The viewer's early transform (an original already in memory is transformed while the record is
 * read), with the record and the bytes as plain values: what runs, what is served, what is dropped.
 */
const T0 = Date.UTC(2026, 10, 25, 12);

const mediaOf = (id: string, bytes: Uint8Array): Media => ({
  id,
  teamId: undefined,
  extension: 'jpg',
  contentType: 'image/jpeg',
  width: 64,
  height: 48,
  filesize: bytes.byteLength,
  caption: undefined,
  attribution: {},
  public: true,
  externalId: undefined,
  createdAtMs: T0,
  expiresAt: undefined,
  deletedAt: undefined,
  objectKey: originalKey(id),
});

/** A viewer whose record lookup and original store record what they were asked. */
const setup = async (options: { live: boolean; held?: Uint8Array | 'nothing' } = { live: true }) => {
  const id = newMediaId();
  const bytes = await jpeg(64, 48);
  const calls = { held: [] as string[], get: [] as string[], forget: [] as string[], events: [] as string[] };
  const viewer = createViewer({
    media: {
      get: async () => {
        // A lookup that takes a while, as over the network: the early transform is under way meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 20));
        calls.events.push('record read');
        if (!options.live) throw notFoundError('Image not found.');
        return mediaOf(id, bytes);
      },
    },
    objects: {
      held: (key) => {
        calls.held.push(key);
        return options.held === 'nothing' ? undefined : (options.held ?? bytes);
      },
      get: async (key) => {
        calls.get.push(key);
        calls.events.push('original read');
        return bytes;
      },
      forget: (key) => {
        calls.forget.push(key);
      },
    },
    clock: { nowMs: () => T0 },
    logger: { error: () => undefined },
    publicBaseUrl: 'https://i.example.com',
    limits: IMAGE_LIMITS,
    segmenter: classicalSegmenter(),
  });
  const request = (path: string, extra: Partial<ViewerRequest> = {}): ViewerRequest => ({
    method: 'GET',
    path,
    query: '',
    accept: 'image/webp,*/*',
    ifNoneMatch: undefined,
    requestId: 'r',
    host: undefined,
    ...extra,
  });
  return { id, viewer, calls, request };
};

describe('the early transform of a held original', () => {
  it('serves the variant asked for, from memory, once the record says the image is live', async () => {
    const { id, viewer, calls, request } = await setup();
    const answer = await viewer.respond(request(`/${id}.webp`, { query: 'w=32' }));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('image/webp');
    expect(await sharp(answer.body).metadata()).toMatchObject({ format: 'webp', width: 32 });
    expect(calls.held).toEqual([originalKey(id)]);
    expect(calls.get).toEqual([]);
  });

  it('drops the candidate and forgets the bytes when the image is gone or hidden', async () => {
    const { id, viewer, calls, request } = await setup({ live: false });
    const answer = await viewer.respond(request(`/${id}`, { query: 'w=32&format=webp' }));
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    await vi.waitFor(() => expect(calls.forget).toEqual([originalKey(id)]));
  });

  it('reads an original not in memory from S3 while the record is read', async () => {
    const { id, viewer, calls, request } = await setup({ live: true, held: 'nothing' });
    const answer = await viewer.respond(request(`/${id}`, { query: 'w=32&format=webp' }));
    expect(answer.status).toBe(200);
    expect(await sharp(answer.body).metadata()).toMatchObject({ format: 'webp', width: 32 });
    expect(calls.events).toEqual(['original read', 'record read']);
    expect(calls.get).toEqual([originalKey(id)]);
  });

  it('lets go of an original read for media that turn out to be gone', async () => {
    const { id, viewer, calls, request } = await setup({ live: false, held: 'nothing' });
    expect((await viewer.respond(request(`/${id}`, { query: 'w=32' }))).status).toBe(404);
    await vi.waitFor(() => expect(calls.forget).toEqual([originalKey(id)]));
  });

  it('starts nothing for a stored-format extension until the record is known', async () => {
    const { id, viewer, calls, request } = await setup();
    expect((await viewer.respond(request(`/${id}.bmp`))).status).toBe(404);
    expect((await viewer.respond(request(`/${id}.tiff`))).status).toBe(404);
    expect(calls.held).toEqual([]);
    expect(calls.get).toEqual([]);
  });

  it('starts nothing for pages and revalidations', async () => {
    const { id, viewer, calls, request } = await setup();
    await viewer.respond(request(`/${id}`, { accept: 'text/html' }));
    await viewer.respond(request(`/${id}`, { ifNoneMatch: '"stale"' }));
    expect(calls.held).toEqual([]);
    // The stale revalidation reads its original only once the record allows it.
    expect(calls.events).toEqual(['record read', 'record read', 'original read']);
  });

  it('runs one at a time: a second request meanwhile waits for its record and reads as usual', async () => {
    const { id, viewer, calls, request } = await setup();
    const answers = await Promise.all([
      viewer.respond(request(`/${id}`, { query: 'w=32' })),
      viewer.respond(request(`/${id}`, { query: 'w=16' })),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(calls.held).toHaveLength(1);
    expect(calls.get).toEqual([originalKey(id)]);
    const widths = await Promise.all(
      answers.map(async (answer) => (await sharp(answer.body).metadata()).width),
    );
    expect(widths).toEqual([32, 16]);
  });

  it('lets a failing candidate go quietly when the image turns out to be gone', async () => {
    // Bytes that are no image: the candidate fails; the record says 404; nothing may surface.
    const { id, viewer, request } = await setup({ live: false, held: new Uint8Array([1, 2, 3]) });
    expect((await viewer.respond(request(`/${id}`, { query: 'w=32' }))).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
});
