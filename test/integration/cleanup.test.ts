import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCleanup } from '#core/cleanup/service';
import type { Clock } from '#core/clock';
import { newMediaId } from '#core/ids';
import { createMediaManagement } from '#core/media/management';
import type { Media } from '#core/media/media';
import { createMediaRepository, type MediaRepository } from '#core/media/repository';
import { noCdn } from '#core/platform/cdn';
import { createS3Client } from '#core/platform/clients';
import { createObjectStore, type ObjectStore } from '#core/store/object-store';
import { createTeamRepository } from '#core/teams/repository';
import { freshStorage } from '#test/backends-clients';

/** The cleanup job's races and faults, on the real emulators with a fixed clock. */
let storage: Awaited<ReturnType<typeof freshStorage>>;
let repository: MediaRepository;
let objects: ObjectStore;
const T0 = Date.UTC(2026, 10, 25, 12);
const at = (ms: number): Clock => ({ nowMs: () => ms });
const silent = { error: () => undefined };

beforeAll(async () => {
  storage = await freshStorage();
  repository = createMediaRepository({ db: storage.db, tableName: storage.tableName });
  objects = createObjectStore({ s3: storage.s3, bucket: storage.bucket });
});

const expiringMedia = async (teamId: string | undefined, ttlSeconds = 300): Promise<Media> => {
  const id = newMediaId();
  const media: Media = {
    id,
    teamId,
    extension: 'png',
    contentType: 'image/png',
    width: 1,
    height: 1,
    filesize: 10,
    caption: undefined,
    attribution: {},
    public: true,
    externalId: undefined,
    createdAtMs: T0,
    expiresAt: T0 / 1000 + ttlSeconds,
    deletedAt: undefined,
    objectKey: `originals/${id}`,
  };
  await objects.put(media.objectKey, Buffer.alloc(10), 'image/png');
  await repository.create(media);
  return media;
};

const newTeam = async () => {
  const id = `team_${newMediaId()}`;
  await createTeamRepository({ db: storage.db, tableName: storage.tableName }).create({
    id,
    name: id,
    plan: 'free',
    createdAtMs: T0,
    storageUsedBytes: 0,
    mediaStored: 0,
  });
  return id;
};

describe('the cleanup job', () => {
  it('keeps media that a PATCH made permanent after the job read it as due', async () => {
    const teamId = await newTeam();
    const media = await expiringMedia(teamId);
    const later = T0 + 301_000;
    const [stale] = (await repository.listDue(later / 1000, 1_000)).filter((item) => item.id === media.id);
    expect(stale).toBeDefined();

    // The PATCH lands between the job's read and its write (its own clock still before expiry).
    const management = createMediaManagement({
      media: repository,
      clock: at(T0 + 299_000),
      deletedRetentionSeconds: 0,
    });
    await management.update({ kind: 'key', teamId, keyId: 'k', abilities: ['write'] }, media.id, {
      ttlSeconds: null,
      attribution: {},
    });

    const racing = createCleanup({
      media: { ...repository, listDue: async () => [stale as Media] },
      objects,
      cdn: noCdn,
      clock: at(later),
      logger: silent,
    });
    expect(await racing.run({ limit: 10 })).toMatchObject({ expired: 0, kept: 1, purged: 0 });
    expect(await repository.get(media.id)).toMatchObject({ deletedAt: undefined, expiresAt: undefined });
    expect(await objects.get(media.objectKey)).toBeDefined();
  });

  it('goes on past an item whose original cannot be deleted, and retries it later', async () => {
    const failing = await expiringMedia(undefined);
    const others = [await expiringMedia(undefined), await expiringMedia(undefined)];
    const s3 = createS3Client(storage.endpoints);
    const mock = mockClient(s3);
    mock.on(DeleteObjectCommand).resolves({});
    mock.on(DeleteObjectCommand, { Key: failing.objectKey }).rejects(new Error('SlowDown'));
    const later = T0 + 400_000;
    const cleanup = createCleanup({
      media: repository,
      objects: createObjectStore({ s3, bucket: storage.bucket }),
      cdn: noCdn,
      clock: at(later),
      logger: silent,
    });
    const report = await cleanup.run({ limit: 100 });
    expect(report.failed).toBe(1);
    for (const media of others) expect((await repository.get(media.id))?.purgedAt).toBeDefined();
    expect((await repository.get(failing.id))?.purgedAt).toBeUndefined();
    // Requeued a little later, not at the head of the queue.
    const dueNow = await repository.listDue(later / 1000, 100);
    expect(dueNow.map((item) => item.id)).not.toContain(failing.id);
    const dueLater = await repository.listDue(later / 1000 + 301, 100);
    expect(dueLater.map((item) => item.id)).toContain(failing.id);
  });
});
