import sharp from 'sharp';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSweepCursors } from '#core/cleanup/repository';
import type { Clock } from '#core/clock';
import { newMediaId } from '#core/ids';
import type { ImageFacts } from '#core/images/facts';
import { ingestImage } from '#core/images/ingest';
import { IMAGE_LIMITS } from '#core/images/limits';
import { createFactsBackfill } from '#core/media/facts-backfill';
import type { Media } from '#core/media/media';
import { createMediaRepository, type MediaRepository } from '#core/media/repository';
import { createObjectStore, type ObjectStore, originalKey } from '#core/store/object-store';
import { freshStorage } from '#test/backends-clients';
import { BLUE, RED, splitImage } from '#test/fixtures';
import { useAmplifiedSvg } from '#test/hostile';

/** The facts backfill on the real emulators: resumable, idempotent, never over what ingest wrote. */
let repository: MediaRepository;
let objects: ObjectStore;
let backfill: ReturnType<typeof createFactsBackfill>;
const errors: unknown[] = [];
const NOW = Date.UTC(2026, 11, 2);
const clock: Clock = { nowMs: () => NOW };

beforeEach(async () => {
  const storage = await freshStorage();
  const table = { db: storage.db, tableName: storage.tableName };
  repository = createMediaRepository(table);
  objects = createObjectStore({ s3: storage.s3, bucket: storage.bucket });
  errors.length = 0;
  backfill = createFactsBackfill({
    media: repository,
    objects,
    sweeps: createSweepCursors(table),
    clock,
    logger: { error: (_message, extra) => errors.push(extra) },
  });
});

/** Media stored as before facts existed: the original, and a record without them. */
const legacy = async (bytes: Buffer, overrides: Partial<Media> = {}): Promise<Media> => {
  const id = newMediaId();
  const media: Media = {
    id,
    teamId: undefined,
    extension: 'png',
    contentType: 'image/png',
    width: 1,
    height: 1,
    filesize: bytes.length,
    facts: undefined,
    caption: undefined,
    attribution: {},
    public: true,
    keepMetadata: false,
    externalId: undefined,
    createdAtMs: NOW,
    expiresAt: undefined,
    deletedAt: undefined,
    objectKey: originalKey(id),
    ...overrides,
  };
  await objects.put(media.objectKey, bytes, media.contentType);
  await repository.create(media);
  return media;
};

const factsOf = async (id: string) => (await repository.get(id))?.facts;
const solid = (colour: typeof RED) =>
  sharp({ create: { width: 40, height: 30, channels: 3, background: colour } })
    .png()
    .toBuffer();

describe('the facts backfill', () => {
  it('gives media stored without facts exactly what ingest computes, over steps that resume', async () => {
    const images = [await solid(RED), await solid(BLUE), await splitImage(60, 20).png().toBuffer()];
    const stored = [];
    for (const image of images) stored.push(await legacy(image));

    // One decode a step: each step goes on after the last original it handled.
    const steps = [];
    for (let step = 0; step < 5; step++) {
      const result = await backfill.step({ limit: 10, maxDecodes: 1 });
      steps.push(result);
      if (result.passComplete) break;
    }
    expect(steps.map(({ filled }) => filled)).toEqual([1, 1, 1]);
    expect(steps.at(-1)?.passComplete).toBe(true);
    expect(steps.slice(0, -1).every((step) => !step.passComplete)).toBe(true);
    for (const [index, media] of stored.entries()) {
      expect(await factsOf(media.id)).toEqual(
        (await ingestImage(images[index] as Buffer, IMAGE_LIMITS)).facts,
      );
    }

    // A new pass finds nothing left to do.
    expect(await backfill.step({ limit: 10, maxDecodes: 10 })).toEqual({
      checked: 3,
      filled: 0,
      failed: 0,
      passComplete: true,
    });
    expect(errors).toEqual([]);
  });

  it('never overwrites facts, and leaves deleted and expired media alone', async () => {
    const own: ImageFacts = {
      placeholder: undefined,
      hasAlpha: true,
      frames: 7,
      colorSpace: 'ingest wrote this',
    };
    const withFacts = await legacy(await solid(RED), { facts: own });
    const deleted = await legacy(await solid(RED), { deletedAt: NOW / 1000 - 10 });
    const expired = await legacy(await solid(RED), { expiresAt: NOW / 1000 - 10 });
    const live = await legacy(await solid(BLUE));

    expect(await backfill.step({ limit: 10, maxDecodes: 10 })).toMatchObject({
      checked: 4,
      filled: 1,
      failed: 0,
    });
    expect(await factsOf(withFacts.id)).toEqual(own);
    expect(await factsOf(deleted.id)).toBeUndefined();
    expect(await factsOf(expired.id)).toBeUndefined();
    expect((await factsOf(live.id))?.placeholder?.dominantColor).toBe('#1e1edc');
  });

  it('keeps what the header says of an original today’s limits refuse, so it is never decoded again', async () => {
    // Accepted before the render budget existed: a million <use> copies.
    const drawing = useAmplifiedSvg(6);
    await expect(ingestImage(drawing, IMAGE_LIMITS)).rejects.toThrow(/render budget/);
    const media = await legacy(drawing, { extension: 'svg', contentType: 'image/svg+xml' });

    expect(await backfill.step({ limit: 10, maxDecodes: 10 })).toMatchObject({ filled: 1, failed: 0 });
    expect(await factsOf(media.id)).toMatchObject({ placeholder: undefined, frames: 1, colorSpace: 'srgb' });
  });

  it('reports an original it cannot read and tries it again on the next pass', async () => {
    const broken = await legacy(Buffer.from('not an image at all'));
    expect(await backfill.step({ limit: 10, maxDecodes: 10 })).toMatchObject({
      checked: 1,
      filled: 0,
      failed: 1,
      passComplete: true,
    });
    expect(errors).toEqual([expect.objectContaining({ media_id: broken.id })]);
    expect(await backfill.step({ limit: 10, maxDecodes: 10 })).toMatchObject({ failed: 1 });
  });
});
