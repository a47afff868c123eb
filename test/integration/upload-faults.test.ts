import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '#core/caller';
import { systemClock } from '#core/clock';
import type { Deadline } from '#core/deadline';
import { UploadForm } from '#core/http/requests';
import { createMediaRepository } from '#core/media/repository';
import { createMediaService } from '#core/media/service';
import { DEFAULT_PLANS } from '#core/plans';
import { createDocumentClient, createS3Client } from '#core/platform/clients';
import { createQuotaRepository } from '#core/quotas/repository';
import { createQuotaService } from '#core/quotas/service';
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
  const quotas = createQuotaService({
    teams: createTeamRepository({ db: storage.db, tableName: storage.tableName }),
    quotas: createQuotaRepository({ db: storage.db, tableName: storage.tableName }),
    clock: systemClock,
    plans: DEFAULT_PLANS,
    anonymousRateLimits: { hourly: 20, daily: 100 },
    upgrade: { url: 'https://billing.example/upgrade', secret: async () => 's'.repeat(32) },
  });
  const media = createMediaService({
    media: createMediaRepository({ db: mediaDb, tableName: storage.tableName }),
    quotas,
    objects: createObjectStore({ s3, bucket: storage.bucket }),
    clock: systemClock,
    newId: () => `fault${Date.now().toString(36).padStart(9, '0')}`,
    logger: { warn: () => undefined },
  });
  return { media, quotas };
};

const callers: Record<string, Caller> = {
  team: { kind: 'key', teamId, keyId: 'k', abilities: ['write'] },
  anonymous: { kind: 'anonymous', client: '203.0.113.7' },
};

const uploadOnce = async (caller: Caller, faults: { db?: boolean; s3?: boolean }, deadline?: Deadline) => {
  const service = serviceWith(faults);
  const bytes = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'blue' } })
    .png()
    .toBuffer();
  const admission = await service.quotas.admit(caller);
  return service.media.upload(
    caller,
    admission,
    {
      file: { bytes, tooLarge: false },
      fields: UploadForm.parse({}),
    },
    { deadline },
  );
};

/**
 * Every item (counters included) and every object: what "nothing changed" is checked against. A
 * failed upload gives its count back, which may leave a counter at zero: that is no count.
 */
const everything = async () => {
  const { Items: all = [] } = await storage.db.send(new ScanCommand({ TableName: storage.tableName }));
  const Items = all.filter((item) => item.uploads !== 0 && item.count !== 0);
  const { Contents = [] } = await storage.s3.send(new ListObjectsV2Command({ Bucket: storage.bucket }));
  const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) =>
    String(a.pk).localeCompare(String(b.pk));
  return { items: Items.sort(byKey), objects: Contents.map((object) => object.Key) };
};

describe.each(Object.keys(callers))('a failed %s upload leaves nothing stored or counted', (who) => {
  const caller = callers[who] as Caller;

  it('when the transaction fails, the original written before it is removed', async () => {
    const before = await everything();
    await expect(uploadOnce(caller, { db: true })).rejects.toThrow('Rate exceeded');
    expect(await everything()).toEqual(before);
  });

  it('when the S3 write fails, nothing is committed', async () => {
    const before = await everything();
    await expect(uploadOnce(caller, { s3: true })).rejects.toThrow('internal error');
    expect(await everything()).toEqual(before);
  });

  it('when the answer is already due, nothing is committed', async () => {
    const before = await everything();
    const answered = new AbortController();
    answered.abort();
    const deadline = { signal: answered.signal, remainingMs: () => 10_000 };
    await expect(uploadOnce(caller, {}, deadline)).rejects.toThrow();
    expect(await everything()).toEqual(before);
  });

  it('when too little time is left to commit and answer, nothing is committed', async () => {
    const before = await everything();
    const deadline = { signal: new AbortController().signal, remainingMs: () => 500 };
    await expect(uploadOnce(caller, {}, deadline)).rejects.toThrow('Too little time left');
    expect(await everything()).toEqual(before);
  });

  it('and without faults exactly one item and one object are added, and counted', async () => {
    const before = await everything();
    const { media: created } = await uploadOnce(caller, {});
    const after = await everything();
    expect(after.objects).toEqual([...before.objects, created.objectKey]);
    expect(after.items.map((item) => item.pk)).toContain(`MEDIA#${created.id}`);
    expect(after.items).not.toEqual(before.items);
  });
});
