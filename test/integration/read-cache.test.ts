import { randomBytes } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '#core/platform/clients';
import { createObjectStore, type ObjectStore } from '#core/store/object-store';
import { withReadCache } from '#core/store/read-cache';
import { freshStorage } from '#test/backends-clients';

/** The viewer's original cache over the real S3 emulator: what it reads, keeps and forgets. */
let storage: Awaited<ReturnType<typeof freshStorage>>;
let objects: ObjectStore;

beforeAll(async () => {
  storage = await freshStorage();
  objects = createObjectStore({ s3: storage.s3, bucket: storage.bucket });
});

/** A budget of 1 MiB, and objects that fill a quarter of it with their bookkeeping. */
const BUDGET = 1024 * 1024;
const QUARTER = BUDGET / 4 - 2048;

/** The real store, counting the reads that reach S3. */
const counting = (store: Pick<ObjectStore, 'get'>) => {
  const reads: string[] = [];
  return {
    reads,
    get: (key: string) => {
      reads.push(key);
      return store.get(key);
    },
  };
};

const stored = async (size: number) => {
  const key = `originals/${randomBytes(6).toString('hex')}`;
  const bytes = randomBytes(size);
  await objects.put(key, bytes, 'application/octet-stream');
  return { key, bytes };
};

describe('withReadCache', () => {
  it('reads an object from S3 once and answers later reads from memory', async () => {
    const s3 = counting(objects);
    const cached = withReadCache(s3, { maxBytes: BUDGET });
    const { key, bytes } = await stored(100);

    expect(Buffer.from((await cached.get(key)) ?? [])).toEqual(bytes);
    expect(Buffer.from((await cached.get(key)) ?? [])).toEqual(bytes);
    expect(s3.reads).toEqual([key]);
  });

  it('shares one S3 read between concurrent reads of the same key', async () => {
    const s3 = counting(objects);
    const cached = withReadCache(s3, { maxBytes: BUDGET });
    const { key, bytes } = await stored(100);

    const answers = await Promise.all([cached.get(key), cached.get(key), cached.get(key)]);
    for (const answer of answers) expect(Buffer.from(answer ?? [])).toEqual(bytes);
    expect(s3.reads).toEqual([key]);
  });

  it('does not remember that an object was missing', async () => {
    const s3 = counting(objects);
    const cached = withReadCache(s3, { maxBytes: BUDGET });
    const key = `originals/${randomBytes(6).toString('hex')}`;

    expect(await cached.get(key)).toBeUndefined();
    const bytes = randomBytes(50);
    await objects.put(key, bytes, 'application/octet-stream');
    expect(Buffer.from((await cached.get(key)) ?? [])).toEqual(bytes);
    expect(s3.reads).toEqual([key, key]);
  });

  it('drops the least recently used object when the budget is spent', async () => {
    const s3 = counting(objects);
    const cached = withReadCache(s3, { maxBytes: BUDGET });
    const [first, second, third] = [await stored(QUARTER), await stored(QUARTER), await stored(QUARTER)];
    const fourth = await stored(QUARTER);

    for (const { key } of [first, second, third]) await cached.get(key);
    await cached.get(first.key); // now the most recent: `second` is the oldest
    await cached.get(fourth.key); // full
    await cached.get((await stored(QUARTER)).key); // over: `second` goes

    s3.reads.length = 0;
    for (const { key } of [first, third, fourth]) await cached.get(key);
    expect(s3.reads).toEqual([]);
    await cached.get(second.key);
    expect(s3.reads).toEqual([second.key]);
  });

  it('returns an object over a quarter of the budget without keeping it', async () => {
    const s3 = counting(objects);
    const cached = withReadCache(s3, { maxBytes: BUDGET });
    const small = await stored(100);
    const large = await stored(BUDGET / 4 + 1);

    await cached.get(small.key);
    expect(Buffer.from((await cached.get(large.key)) ?? [])).toEqual(large.bytes);
    expect(Buffer.from((await cached.get(large.key)) ?? [])).toEqual(large.bytes);
    await cached.get(small.key);
    expect(s3.reads).toEqual([small.key, large.key, large.key]);
  });

  it('passes a failed read on and keeps nothing from it', async () => {
    const s3 = createS3Client(storage.endpoints);
    const throttled = mockClient(s3);
    throttled.on(GetObjectCommand).rejects(new Error('SlowDown'));
    const { key, bytes } = await stored(100);
    const cached = withReadCache(createObjectStore({ s3, bucket: storage.bucket }), { maxBytes: BUDGET });

    await expect(cached.get(key)).rejects.toThrow('SlowDown');
    throttled.restore();
    expect(Buffer.from((await cached.get(key)) ?? [])).toEqual(bytes);
  });

  it('forgets on request, also while the object is being read', async () => {
    const s3 = counting(objects);
    const cached = withReadCache(s3, { maxBytes: BUDGET });
    const first = await stored(100);
    await cached.get(first.key);
    cached.forget(first.key);
    expect(Buffer.from((await cached.get(first.key)) ?? [])).toEqual(first.bytes);
    expect(s3.reads).toEqual([first.key, first.key]);

    const second = await stored(100);
    const reading = cached.get(second.key);
    cached.forget(second.key); // while its GET is in flight: the reader still gets it, memory does not
    expect(Buffer.from((await reading) ?? [])).toEqual(second.bytes);
    await cached.get(second.key);
    expect(s3.reads.filter((read) => read === second.key)).toHaveLength(2);
  });
});
