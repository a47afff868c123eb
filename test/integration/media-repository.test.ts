import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { newMediaId } from '#core/ids';
import type { Media } from '#core/media/media';
import { createMediaRepository, type MediaRepository } from '#core/media/repository';
import { keys } from '#core/store/keys';
import { createTeamRepository, type TeamRepository } from '#core/teams/repository';
import { freshStorage } from '#test/backends-clients';
import { answerTo } from '#test/errors';

let storage: Awaited<ReturnType<typeof freshStorage>>;
let repository: MediaRepository;
let teams: TeamRepository;

beforeAll(async () => {
  storage = await freshStorage();
  repository = createMediaRepository({ db: storage.db, tableName: storage.tableName });
  teams = createTeamRepository({ db: storage.db, tableName: storage.tableName });
});

const newTeam = async () => {
  const id = `team_${newMediaId()}`;
  await teams.create({
    id,
    name: id,
    plan: 'free',
    createdAtMs: Date.now(),
    storageUsedBytes: 0,
    mediaStored: 0,
  });
  return id;
};

const media = (overrides: Partial<Media> = {}): Media => {
  const id = newMediaId();
  return {
    id,
    teamId: undefined,
    extension: 'jpeg',
    contentType: 'image/jpeg',
    facts: undefined,
    width: 10,
    height: 20,
    filesize: 1234,
    caption: 'a caption',
    attribution: { author: 'Jane' },
    public: true,
    keepMetadata: false,
    externalId: undefined,
    createdAtMs: Date.UTC(2026, 10, 25, 12),
    expiresAt: undefined,
    deletedAt: undefined,
    objectKey: `originals/${id}`,
    ...overrides,
  };
};

const usage = async (teamId: string, month: string) =>
  (
    await storage.db.send(
      new GetCommand({ TableName: storage.tableName, Key: keys.monthlyUsage(teamId, month) }),
    )
  ).Item?.uploads;

describe('media repository on DynamoDB Local', () => {
  it('round-trips every field of anonymous media without touching any team', async () => {
    const record = media({ expiresAt: 1_900_000_000, caption: undefined });
    await repository.create(record);
    expect(await repository.get(record.id)).toEqual(record);
  });

  it('commits team media with its storage counters (uploads are counted before, by the quota service)', async () => {
    const teamId = await newTeam();
    const first = media({ teamId, filesize: 100 });
    const second = media({ teamId, filesize: 250, externalId: 'ext-1' });
    await repository.create(first);
    await repository.create(second);

    expect(await repository.get(second.id)).toEqual(second);
    expect(await teams.get(teamId)).toMatchObject({ storageUsedBytes: 350, mediaStored: 2 });
    expect(await usage(teamId, '2026-11')).toBeUndefined();
  });

  it('refuses a second use of an external id in a team, atomically, and allows it in another team', async () => {
    const teamId = await newTeam();
    const otherTeam = await newTeam();
    await repository.create(media({ teamId, externalId: 'shared' }));

    const duplicate = media({ teamId, externalId: 'shared', filesize: 999 });
    const error = await repository.create(duplicate).catch((caught: unknown) => caught);
    expect(answerTo(error)).toMatchObject({ status: 409, code: 'external_id_duplicate' });
    expect(await repository.get(duplicate.id)).toBeUndefined();
    expect(await teams.get(teamId)).toMatchObject({ storageUsedBytes: 1234, mediaStored: 1 });

    await repository.create(media({ teamId: otherTeam, externalId: 'shared' }));
    expect(await teams.get(otherTeam)).toMatchObject({ mediaStored: 1 });
  });

  it('refuses media for a team that does not exist and writes nothing', async () => {
    const orphan = media({ teamId: 'team_missing' });
    await expect(repository.create(orphan)).rejects.toThrow();
    expect(await repository.get(orphan.id)).toBeUndefined();
    expect(await usage('team_missing', '2026-11')).toBeUndefined();
  });

  it('never overwrites existing media with the same id', async () => {
    const original = media();
    await repository.create(original);
    await expect(repository.create({ ...original, caption: 'replaced' })).rejects.toThrow();
    expect((await repository.get(original.id))?.caption).toBe('a caption');
  });
});

describe('listing and changing media on DynamoDB Local', () => {
  const now = Date.UTC(2026, 10, 25, 12);
  const nowSeconds = Math.floor(now / 1000);

  it('skips expired media that cleanup has not removed yet, and still fills every page', async () => {
    const teamId = await newTeam();
    const records = Array.from({ length: 7 }, (_, i) =>
      media({ teamId, createdAtMs: now - i * 1_000, expiresAt: i % 2 === 1 ? nowSeconds - 1 : undefined }),
    );
    for (const record of records) await repository.create(record);
    const live = records.filter((record) => record.expiresAt === undefined).map((record) => record.id);

    const first = await repository.listByTeam(teamId, { limit: 2, cursor: undefined, nowMs: now });
    expect(first.items.map((item) => item.id)).toEqual(live.slice(0, 2));
    const second = await repository.listByTeam(teamId, { limit: 2, cursor: first.cursor, nowMs: now });
    expect(second.items.map((item) => item.id)).toEqual(live.slice(2, 4));
    expect(second.cursor).toBeUndefined();
  });

  it('refuses a cursor that is not one of its own with a 422', async () => {
    const teamId = await newTeam();
    for (const cursor of ['%%%', Buffer.from('MEDIA#x').toString('base64url'), 'A'.repeat(100)]) {
      const error = await repository
        .listByTeam(teamId, { limit: 2, cursor, nowMs: now })
        .catch((caught) => caught);
      expect(answerTo(error)).toMatchObject({
        status: 422,
        code: 'validation_error',
        errors: { cursor: [expect.any(String)] },
      });
    }
  });

  it('updates only when the metadata is still what was read', async () => {
    const teamId = await newTeam();
    const record = media({ teamId });
    await repository.create(record);
    const change = {
      caption: 'new',
      public: false,
      keepMetadata: false,
      expiresAt: nowSeconds + 600,
      attribution: { author: 'B' },
    };

    expect(await repository.update(record, change, now)).toBe(true);
    // A second writer that read the old metadata loses, and changes nothing.
    expect(await repository.update(record, { ...change, caption: 'stale' }, now)).toBe(false);
    expect(await repository.get(record.id)).toMatchObject({ ...change });
  });

  it('updates only when the metadata policy is still what was read, and queues a change of it', async () => {
    const teamId = await newTeam();
    const record = media({ teamId });
    await repository.create(record);
    const allow = { ...record, keepMetadata: true };

    expect(await repository.update(record, allow, now)).toBe(true);
    expect(await repository.get(record.id)).toMatchObject({ keepMetadata: true, cdnInvalidated: false });
    expect((await repository.listDue(nowSeconds, 100)).map((due) => due.id)).toContain(record.id);
    // A writer that read the old policy (changing only the caption) must not undo the new one.
    expect(await repository.update(record, { ...record, caption: 'stale' }, now)).toBe(false);
    expect(await repository.get(record.id)).toMatchObject({ keepMetadata: true, caption: record.caption });
  });

  it('soft-deletes once, releasing the counters and the external id', async () => {
    const teamId = await newTeam();
    const record = media({ teamId, externalId: 'once', filesize: 500 });
    await repository.create(record);

    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        repository.softDelete(record, { nowMs: now, purgeAt: nowSeconds + 60 }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await teams.get(teamId)).toMatchObject({ storageUsedBytes: 0, mediaStored: 0 });
    expect((await repository.get(record.id))?.deletedAt).toBe(nowSeconds);
    await repository.create(media({ teamId, externalId: 'once' }));
  });
});
