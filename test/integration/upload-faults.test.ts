import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '#core/api-keys/auth';
import { systemClock } from '#core/clock';
import { UploadFields } from '#core/media/fields';
import { createMediaRepository } from '#core/media/repository';
import { createMediaService } from '#core/media/service';
import { createDocumentClient, createS3Client } from '#core/platform/clients';
import { createObjectStore } from '#core/store/object-store';
import { createTeamRepository } from '#core/teams/repository';
import { freshStorage } from '#test/backends-clients';

/**
 * Faults the emulators cannot produce (a throttled transaction, a failed S3 write), injected into a
 * second client used only by the failing component; everything else runs on the real emulators.
 */
let storage: Awaited<ReturnType<typeof freshStorage>>;
const teamId = 'team_faults';

beforeAll(async () => {
  storage = await freshStorage();
  const teams = createTeamRepository({ db: storage.db, tableName: storage.tableName });
  await teams.create({
    id: teamId,
    name: 'faults',
    plan: 'free',
    createdAtMs: 0,
    storageUsedBytes: 0,
    mediaStored: 0,
  });
});

const serviceWith = (faults: { db?: boolean; s3?: boolean }) => {
  const { endpoints } = storage;
  const mediaDb = faults.db ? createDocumentClient(endpoints) : storage.db;
  const s3 = faults.s3 ? createS3Client(endpoints) : storage.s3;
  if (faults.db) {
    mockClient(mediaDb)
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
  }
  if (faults.s3) mockClient(s3).on(PutObjectCommand).rejects(new Error('We encountered an internal error.'));
  return createMediaService({
    media: createMediaRepository({ db: mediaDb, tableName: storage.tableName }),
    teams: createTeamRepository({ db: storage.db, tableName: storage.tableName }),
    objects: createObjectStore({ s3, bucket: storage.bucket }),
    clock: systemClock,
    newId: () => `fault${Date.now().toString(36).padStart(9, '0')}`,
    logger: { warn: () => undefined },
    publicBaseUrl: 'http://localhost',
    signupUrl: 'http://localhost',
  });
};

const uploadOnce = async (service: ReturnType<typeof createMediaService>) => {
  const bytes = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'blue' } })
    .png()
    .toBuffer();
  const caller: Caller = { kind: 'key', teamId, keyId: 'k', abilities: ['write'] };
  const plan = await service.planOf(caller);
  return service.upload(caller, plan, { file: { bytes, tooLarge: false }, fields: UploadFields.parse({}) });
};

const everything = async () => {
  const { Items = [] } = await storage.db.send(new ScanCommand({ TableName: storage.tableName }));
  const { Contents = [] } = await storage.s3.send(new ListObjectsV2Command({ Bucket: storage.bucket }));
  return { items: Items.map((item) => item.pk), objects: Contents.map((object) => object.Key) };
};

describe('a failed upload leaves nothing behind', () => {
  it('when the transaction fails, the original written before it is removed', async () => {
    const before = await everything();
    await expect(uploadOnce(serviceWith({ db: true }))).rejects.toThrow('Rate exceeded');
    expect(await everything()).toEqual(before);
  });

  it('when the S3 write fails, nothing is committed', async () => {
    const before = await everything();
    await expect(uploadOnce(serviceWith({ s3: true }))).rejects.toThrow('internal error');
    expect(await everything()).toEqual(before);
  });

  it('and the same service without faults stores exactly one item and one object', async () => {
    const before = await everything();
    const created = await uploadOnce(serviceWith({}));
    const after = await everything();
    expect(after.objects).toEqual([...before.objects, created.objectKey]);
    expect(after.items).toContain(`MEDIA#${created.id}`);
  });
});
