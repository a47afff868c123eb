import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSweepCursors, type SweepCursors } from '#core/cleanup/repository';
import { createCleanup } from '#core/cleanup/service';
import type { Clock } from '#core/clock';
import { newMediaId } from '#core/ids';
import { createMediaManagement } from '#core/media/management';
import type { Media } from '#core/media/media';
import { createMediaRepository, type MediaRepository } from '#core/media/repository';
import { noCdn } from '#core/platform/cdn';
import { createS3Client } from '#core/platform/clients';
import { createObjectStore, incomingKey, type ObjectStore, originalKey } from '#core/store/object-store';
import { createTeamRepository } from '#core/teams/repository';
import { freshStorage } from '#test/backends-clients';
import { png } from '#test/fixtures';

/** The cleanup job's races and faults, on the real emulators with a fixed clock. */
let storage: Awaited<ReturnType<typeof freshStorage>>;
let repository: MediaRepository;
let objects: ObjectStore;
let sweeps: SweepCursors;
const T0 = Date.UTC(2026, 10, 25, 12);
const at = (ms: number): Clock => ({ nowMs: () => ms });
const silent = { error: () => undefined };

beforeAll(async () => {
  storage = await freshStorage();
  repository = createMediaRepository({ db: storage.db, tableName: storage.tableName });
  objects = createObjectStore({ s3: storage.s3, bucket: storage.bucket });
  sweeps = createSweepCursors({ db: storage.db, tableName: storage.tableName });
});

/** A 1×1 PNG's record, its original under the usual key. */
const pngRecord = (fields: Pick<Media, 'teamId' | 'createdAtMs' | 'expiresAt'>): Media => {
  const id = newMediaId();
  return {
    id,
    extension: 'png',
    contentType: 'image/png',
    facts: undefined,
    width: 1,
    height: 1,
    filesize: 10,
    caption: undefined,
    attribution: {},
    public: true,
    keepMetadata: false,
    externalId: undefined,
    deletedAt: undefined,
    objectKey: originalKey(id),
    ...fields,
  };
};

const expiringMedia = async (teamId: string | undefined, ttlSeconds = 300): Promise<Media> => {
  const media = pngRecord({ teamId, createdAtMs: T0, expiresAt: T0 / 1000 + ttlSeconds });
  await objects.put(media.objectKey, await png(1, 1), 'image/png');
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
      sweeps,
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
    mock.on(ListObjectsV2Command).resolves({});
    mock.on(DeleteObjectCommand).resolves({});
    mock.on(DeleteObjectCommand, { Key: failing.objectKey }).rejects(new Error('SlowDown'));
    const later = T0 + 400_000;
    const cleanup = createCleanup({
      media: repository,
      objects: createObjectStore({ s3, bucket: storage.bucket }),
      sweeps,
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

describe('the sweeps of what no record accounts for', () => {
  // A bucket of their own: what is in it is exactly what these tests put there.
  let swept: Awaited<ReturnType<typeof freshStorage>>;
  let store: ObjectStore;
  let records: MediaRepository;
  const DAY_MS = 86_400_000;
  const cleanupAt = (ms: number) =>
    createCleanup({
      media: records,
      objects: store,
      sweeps: createSweepCursors({ db: swept.db, tableName: swept.tableName }),
      cdn: noCdn,
      clock: at(ms),
      logger: silent,
    });
  const keysIn = async () =>
    (await store.list('', { startAfter: undefined, limit: 1_000 })).objects.map((o) => o.key);

  beforeAll(async () => {
    swept = await freshStorage();
    store = createObjectStore({ s3: swept.s3, bucket: swept.bucket });
    records = createMediaRepository({ db: swept.db, tableName: swept.tableName });
  });

  it('deletes an original without a record once it is a day old, never one with a record', async () => {
    const recorded = pngRecord({ teamId: undefined, createdAtMs: Date.now(), expiresAt: undefined });
    await store.put(recorded.objectKey, await png(1, 1), 'image/png');
    await records.create(recorded);
    const orphan = originalKey(newMediaId());
    await store.put(orphan, Buffer.alloc(10), 'image/png');

    // Young, it may be an upload in flight (the original is written before the record).
    expect(await cleanupAt(Date.now() + DAY_MS / 2).run({ limit: 10 })).toMatchObject({
      orphans: 0,
      failed: 0,
    });
    expect(await keysIn()).toContain(orphan);

    expect(await cleanupAt(Date.now() + 2 * DAY_MS).run({ limit: 10 })).toMatchObject({
      orphans: 1,
      failed: 0,
    });
    expect(await keysIn()).toEqual([recorded.objectKey]);
    expect(await store.get(recorded.objectKey)).toBeDefined();
  });

  it('deletes the file of a direct upload never completed once it is a day old', async () => {
    const file = incomingKey(newMediaId());
    await store.put(file, Buffer.alloc(10), 'image/png');
    expect(await cleanupAt(Date.now() + DAY_MS / 2).run({ limit: 10 })).toMatchObject({ unclaimed: 0 });
    expect(await keysIn()).toContain(file);
    expect(await cleanupAt(Date.now() + 2 * DAY_MS).run({ limit: 10 })).toMatchObject({
      unclaimed: 1,
      failed: 0,
    });
    expect(await keysIn()).not.toContain(file);
  });

  it('lists a bounded number of keys a run, and the next run goes on from there', async () => {
    const orphans = Array.from({ length: 5 }, () => originalKey(newMediaId()));
    for (const key of orphans) await store.put(key, Buffer.alloc(10), 'image/png');
    const before = await keysIn();
    const later = Date.now() + 2 * DAY_MS;
    // The one recorded original from above is listed too: 6 keys, 2 a run.
    const found = [];
    for (let run = 0; run < 3; run++) found.push((await cleanupAt(later).run({ limit: 2 })).orphans);
    expect(found.reduce((sum, count) => sum + count, 0)).toBe(5);
    expect(Math.max(...found)).toBeLessThanOrEqual(2);
    expect(await keysIn()).toEqual(before.filter((key) => !orphans.includes(key)));
  });
});
