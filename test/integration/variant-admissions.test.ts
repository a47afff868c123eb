import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { newMediaId } from '#core/ids';
import { keys, TTL_ATTRIBUTE } from '#core/store/keys';
import { createVariantBudget, variantHash } from '#core/variants/budget';
import { createVariantAdmissions, type VariantAdmissions } from '#core/variants/repository';
import { freshStorage } from '#test/backends-clients';

/** The variant record on DynamoDB Local: atomic admission, the look back, and what a write costs. */
let storage: Awaited<ReturnType<typeof freshStorage>>;
let admissions: VariantAdmissions;

beforeAll(async () => {
  storage = await freshStorage();
  admissions = createVariantAdmissions({ db: storage.db, tableName: storage.tableName });
});

const DAY = '2026-12-02';
const admit = (mediaId: string, variant: string, budget: number, day = DAY) =>
  admissions.admit({ mediaId, day, variant, budget, purgeAt: 1_800_000_000 });
const recordOf = async (mediaId: string, day = DAY) =>
  (
    await storage.db.send(
      new GetCommand({ TableName: storage.tableName, Key: keys.variantDay(mediaId, day) }),
    )
  ).Item;

describe('variant admissions', () => {
  it('admits exactly the budget among many concurrent new variants', async () => {
    const mediaId = newMediaId();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) => admit(mediaId, variantHash(`w=${index + 1}`), 7)),
    );
    expect(results.filter(Boolean)).toHaveLength(7);
    const record = await recordOf(mediaId);
    expect((record?.variants as Set<string> | undefined)?.size).toBe(7);
    expect(record?.[TTL_ATTRIBUTE]).toBe(1_800_000_000);
  });

  it('admits a variant it holds again, also concurrently, without counting it twice', async () => {
    const mediaId = newMediaId();
    const held = variantHash('w=10');
    expect(await admit(mediaId, held, 2)).toBe(true);
    expect(await Promise.all([1, 2, 3].map(() => admit(mediaId, held, 2)))).toEqual([true, true, true]);
    expect(await admit(mediaId, variantHash('w=20'), 2)).toBe(true);
    expect(await admit(mediaId, variantHash('w=30'), 2)).toBe(false);
    expect(await admit(mediaId, held, 2)).toBe(true);
    expect((await recordOf(mediaId))?.variants).toEqual(new Set([held, variantHash('w=20')]));
  });

  it('looks back over the days asked for, and only those', async () => {
    const mediaId = newMediaId();
    await admit(mediaId, 'old', 5, '2026-11-01');
    await admit(mediaId, 'recent', 5, '2026-11-30');
    expect(await admissions.admittedSince(mediaId, 'recent', '2026-11-02')).toBe(true);
    expect(await admissions.admittedSince(mediaId, 'old', '2026-11-02')).toBe(false);
    expect(await admissions.admittedSince(mediaId, 'old', '2026-11-01')).toBe(true);
    expect(await admissions.admittedSince(newMediaId(), 'recent', '2026-11-01')).toBe(false);
  });

  it('keeps a full day of the default budget within one write unit', async () => {
    const mediaId = newMediaId();
    for (let index = 0; index < 100; index++)
      expect(await admit(mediaId, variantHash(`w=${index + 1}`), 100)).toBe(true);
    const { ConsumedCapacity } = await storage.db.send(
      new UpdateCommand({
        TableName: storage.tableName,
        Key: keys.variantDay(mediaId, DAY),
        UpdateExpression: 'SET #purge = :purge',
        ExpressionAttributeNames: { '#purge': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':purge': 1_800_000_000 },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    console.log('write units for a full record of 100 variants:', ConsumedCapacity?.CapacityUnits);
    expect(ConsumedCapacity?.CapacityUnits).toBe(1);
  });
});

it('looks back over a month of full records for about 4 read units', async () => {
  const mediaId = newMediaId();
  const days = Array.from({ length: 31 }, (_, index) => `2026-11-${String(index + 1).padStart(2, '0')}`);
  days[30] = '2026-12-01';
  // Written whole, as 100 admissions a day would leave them.
  await Promise.all(
    days.map((day) =>
      storage.db.send(
        new PutCommand({
          TableName: storage.tableName,
          Item: {
            ...keys.variantDay(mediaId, day),
            variants: new Set(Array.from({ length: 100 }, (_, index) => variantHash(`${day}/${index}`))),
            [TTL_ATTRIBUTE]: 1_800_000_000,
          },
        }),
      ),
    ),
  );
  const { ConsumedCapacity, Count } = await storage.db.send(
    new QueryCommand({
      TableName: storage.tableName,
      KeyConditionExpression: 'pk = :pk AND sk >= :from',
      FilterExpression: 'contains(variants, :variant)',
      ExpressionAttributeValues: {
        ':pk': keys.variantDay(mediaId, DAY).pk,
        ':from': keys.variantDay(mediaId, '2026-11-01').sk,
        ':variant': 'none',
      },
      Select: 'COUNT',
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  console.log('read units to look back over 31 full records:', ConsumedCapacity?.CapacityUnits);
  expect(Count).toBe(0);
  expect(ConsumedCapacity?.CapacityUnits).toBeLessThanOrEqual(4);
});

describe('the budget over its record', () => {
  it('never counts the original, and answers Retry-After to the end of the UTC day', async () => {
    const mediaId = newMediaId();
    const at = Date.UTC(2026, 11, 2, 23, 59, 30);
    let refusals = 0;
    const budget = createVariantBudget({
      admissions,
      budget: 1,
      clock: { nowMs: () => at },
      onRefused: () => refusals++,
    });
    expect(await budget.admit(mediaId, '')).toEqual({ admitted: true });
    expect(await recordOf(mediaId)).toBeUndefined();
    expect(await budget.admit(mediaId, 'w=10')).toEqual({ admitted: true });
    expect(await budget.admit(mediaId, 'w=20')).toEqual({ admitted: false, retryAfterSeconds: 30 });
    expect(await budget.admit(mediaId, 'w=10')).toEqual({ admitted: true });
    expect(refusals).toBe(1);
  });
});
