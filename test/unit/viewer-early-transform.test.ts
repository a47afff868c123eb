import { describe, expect, it } from 'vitest';
import { NO_DEADLINE } from '#core/deadline';
import { newMediaId } from '#core/ids';
import { IMAGE_LIMITS } from '#core/images/limits';
import { classicalSegmenter } from '#core/images/segment/classical';
import { sharp } from '#core/images/sharp';
import type { Media } from '#core/media/media';
import { originalKey, type StoredObject } from '#core/store/object-store';
import { jpeg } from '#test/fixtures';
import { filteredSvg } from '#test/hostile';
import { createViewer, type ViewerRequest } from '../../lambdas/viewer/viewer.ts';

/**
 * The viewer's early transform (the original is read and transformed while the record is read),
 * with the record and the bytes as plain values: what runs, in which order, what is served, what
 * is dropped, and that nothing is left running once the answer is out.
 */
const T0 = Date.UTC(2026, 10, 25, 12);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const mediaOf = (id: string, bytes: Uint8Array): Media => ({
  id,
  teamId: undefined,
  extension: 'jpg',
  contentType: 'image/jpeg',
  facts: undefined,
  width: 64,
  height: 48,
  filesize: bytes.byteLength,
  caption: undefined,
  attribution: {},
  public: true,
  keepMetadata: false,
  externalId: undefined,
  createdAtMs: T0,
  expiresAt: undefined,
  deletedAt: undefined,
  objectKey: originalKey(id),
});

type Record = 'live' | 'gone' | 'failing';

/**
 * A viewer whose record lookup takes 20 ms and whose original read takes `readMs`, both writing
 * down when they finish.
 */
const setup = async (
  record: Record,
  options: { original?: Uint8Array; readMs?: number; admit?: boolean; storeFails?: boolean } = {},
) => {
  const id = newMediaId();
  const bytes = options.original ?? (await jpeg(64, 48));
  const calls = { get: [] as string[], forget: [] as string[], events: [] as string[], transforms: 0 };
  /** The variant store, in memory: fingerprint → variant. */
  const stored = new Map<string, StoredObject>();
  const viewer = createViewer({
    media: {
      find: async () => {
        await sleep(20);
        calls.events.push('record read');
        if (record === 'failing') throw new Error('ProvisionedThroughputExceededException');
        if (record === 'gone') return undefined;
        return mediaOf(id, bytes);
      },
    },
    objects: {
      get: async (key) => {
        calls.get.push(key);
        await sleep(options.readMs ?? 0);
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
    // Every transform reads the limits first: a read is a transform started.
    limits: new Proxy(IMAGE_LIMITS, {
      get: (target, property, receiver) => {
        calls.transforms++;
        return Reflect.get(target, property, receiver);
      },
    }),
    segmenter: classicalSegmenter(),
    onRenderRejected: () => calls.events.push('render rejected'),
    variants: {
      admit: async (_mediaId, canonical) => {
        // As the budget does: the original without transforms is never counted.
        if (canonical === '') return { admitted: true };
        calls.events.push(`admit ${canonical}`);
        return options.admit === false ? { admitted: false, retryAfterSeconds: 3600 } : { admitted: true };
      },
    },
    store: {
      get: async (_mediaId, fingerprint) => {
        if (options.storeFails) throw new Error('SlowDown');
        return stored.get(fingerprint);
      },
      put: async (_mediaId, fingerprint, variant) => {
        stored.set(fingerprint, variant);
      },
      removeAll: async () => 0,
    },
  });
  const request = (path: string, extra: Partial<ViewerRequest> = {}): ViewerRequest => ({
    method: 'GET',
    path,
    query: '',
    accept: 'image/webp,*/*',
    ifNoneMatch: undefined,
    requestId: 'r',
    host: undefined,
    deadline: NO_DEADLINE,
    ...extra,
  });
  return { id, viewer, calls, request, stored };
};

describe('a transform beyond the render budget', () => {
  it('is answered 422 before any pixel is drawn, and reported', async () => {
    const { id, viewer, calls, request } = await setup('live', { original: filteredSvg(1000, 750) });
    const answer = await viewer.respond(request(`/${id}`, { query: 'w=3000&fit=contain' }));
    expect(answer.status).toBe(422);
    expect(JSON.parse(new TextDecoder().decode(answer.body))).toMatchObject({ error: 'validation_error' });
    expect(answer.headers['cache-control']).toBe('public, max-age=300');
    expect(calls.events).toContain('render rejected');
  });
});

describe('the early transform', () => {
  it('reads the original while the record is read, and serves the variant asked for', async () => {
    const { id, viewer, calls, request } = await setup('live');
    const answer = await viewer.respond(request(`/${id}.webp`, { query: 'w=32' }));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('image/webp');
    expect(await sharp(answer.body).metadata()).toMatchObject({ format: 'webp', width: 32 });
    expect(calls.events).toEqual(['original read', 'record read', 'admit format=webp&w=32']);
    expect(calls.get).toEqual([originalKey(id)]);
    expect(calls.transforms).toBeGreaterThan(0);
  });

  it('renders a variant the budget refuses never, and finishes the early read before the 429', async () => {
    const { id, viewer, calls, request } = await setup('live', { readMs: 60, admit: false });
    const answer = await viewer.respond(request(`/${id}.webp`, { query: 'w=32' }));
    expect(answer.status).toBe(429);
    expect(answer.headers).toMatchObject({ 'retry-after': '3600', 'cache-control': 'public, max-age=60' });
    expect(JSON.parse(new TextDecoder().decode(answer.body))).toEqual({
      error: 'variant_budget_exceeded',
      message: expect.any(String),
      request_id: 'r',
    });
    expect(calls.events).toEqual(['record read', 'admit format=webp&w=32', 'original read']);
    expect(calls.transforms).toBe(0);
  });

  it('serves the original without a query whatever the budget says: it is never counted', async () => {
    const { id, viewer, calls, request } = await setup('live', { admit: false });
    expect((await viewer.respond(request(`/${id}`))).status).toBe(200);
    expect(calls.events).toEqual(['original read', 'record read']);
  });

  it('finishes and drops the candidate before a 404 goes out, and forgets the bytes', async () => {
    // The read outlasts the lookup: the 404 must still wait for it.
    const { id, viewer, calls, request } = await setup('gone', { readMs: 60 });
    const answer = await viewer.respond(request(`/${id}`, { query: 'w=32&format=webp' }));
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(calls.events).toEqual(['record read', 'original read']);
    expect(calls.forget).toEqual([originalKey(id)]);
  });

  it('finishes the candidate before passing on a failed lookup', async () => {
    const { id, viewer, calls, request } = await setup('failing', { readMs: 60 });
    await expect(viewer.respond(request(`/${id}`, { query: 'w=32' }))).rejects.toThrow(
      'ProvisionedThroughputExceededException',
    );
    expect(calls.events).toEqual(['record read', 'original read']);
  });

  it('lets a failing candidate go quietly when the image turns out to be gone', async () => {
    // Bytes that are no image: the candidate fails, the record says 404, and nothing may surface.
    const { id, viewer, request } = await setup('gone', { original: new Uint8Array([1, 2, 3]) });
    expect((await viewer.respond(request(`/${id}`, { query: 'w=32' }))).status).toBe(404);
  });

  it('starts nothing for a stored-format extension until the record is known', async () => {
    const { id, viewer, calls, request } = await setup('live');
    expect((await viewer.respond(request(`/${id}.bmp`))).status).toBe(404);
    expect((await viewer.respond(request(`/${id}.tiff`))).status).toBe(404);
    expect(calls.get).toEqual([]);
  });

  it('starts nothing for pages and revalidations', async () => {
    const { id, viewer, calls, request } = await setup('live');
    await viewer.respond(request(`/${id}`, { accept: 'text/html' }));
    await viewer.respond(request(`/${id}`, { ifNoneMatch: '"stale"' }));
    // The stale revalidation reads its original only once the record allows it.
    expect(calls.events).toEqual(['record read', 'record read', 'original read']);
  });

  it('starts nothing for metadata=keep, whose bytes depend on the record', async () => {
    const { id, viewer, calls, request } = await setup('live');
    expect((await viewer.respond(request(`/${id}`, { query: 'metadata=keep&w=32' }))).status).toBe(200);
    // Not allowed for this media, `keep` is the plain variant: admitted and counted as such.
    expect(calls.events).toEqual(['record read', 'admit w=32', 'original read']);
  });

  it('gives concurrent requests each their own variant', async () => {
    const { id, viewer, request } = await setup('live');
    const answers = await Promise.all(
      [32, 16].map((width) => viewer.respond(request(`/${id}`, { query: `w=${width}` }))),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const widths = await Promise.all(
      answers.map(async (answer) => (await sharp(answer.body).metadata()).width),
    );
    expect(widths).toEqual([32, 16]);
  });
});

describe('the variant store', () => {
  it('keeps a rendered variant, then serves it without the original, a render or an admission', async () => {
    const { id, viewer, calls, request, stored } = await setup('live');
    const rendered = await viewer.respond(request(`/${id}.webp`, { query: 'w=32' }));
    await rendered.pending;
    expect([...stored.values()]).toEqual([{ body: rendered.body, contentType: 'image/webp' }]);

    // The same bytes, known only to the store: what is served comes from there.
    const marker = { body: new Uint8Array([1, 2, 3]), contentType: 'image/webp' };
    for (const fingerprint of stored.keys()) stored.set(fingerprint, marker);
    calls.events.length = 0;
    calls.get.length = 0;
    calls.transforms = 0;
    const answer = await viewer.respond(request(`/${id}.webp`, { query: 'w=32' }));
    expect(answer).toMatchObject({ status: 200, body: marker.body });
    expect(answer.pending).toBeUndefined();
    expect(answer.headers).toMatchObject({ 'content-type': 'image/webp', etag: rendered.headers.etag });
    expect(calls).toMatchObject({ events: ['record read'], get: [], transforms: 0 });
  });

  it('keeps neither the plain link nor a metadata policy alone: the original is their bytes', async () => {
    const { id, viewer, request, stored } = await setup('live');
    for (const query of ['', 'metadata=none']) {
      const answer = await viewer.respond(request(`/${id}`, { query }));
      expect(answer.status).toBe(200);
      expect(answer.pending).toBeUndefined();
    }
    expect(stored.size).toBe(0);
  });

  it('keeps what a refused variant would have been never', async () => {
    const { id, viewer, request, stored } = await setup('live', { admit: false });
    expect((await viewer.respond(request(`/${id}.webp`, { query: 'w=32' }))).status).toBe(429);
    expect(stored.size).toBe(0);
  });

  it('renders when the store fails to answer', async () => {
    const { id, viewer, calls, request } = await setup('live', { storeFails: true });
    const answer = await viewer.respond(request(`/${id}.webp`, { query: 'w=32' }));
    expect(answer.status).toBe(200);
    expect(calls.transforms).toBeGreaterThan(0);
  });

  it('keys a variant by the metadata policy served', async () => {
    const { id, viewer, request, stored } = await setup('live');
    // `keep` is not allowed for this media: it is the plain variant, under the plain one's key.
    await (await viewer.respond(request(`/${id}`, { query: 'metadata=keep&w=32' }))).pending;
    await (await viewer.respond(request(`/${id}`, { query: 'w=32' }))).pending;
    expect(stored.size).toBe(1);
  });
});
